import { skillsWithTeams, teamFor, type TeamView } from './teams.ts';
import { listTeams, teamView } from '../accounts/teams.ts';
import { randomBytes } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Types } from 'mongoose';
import type { Logger } from 'pino';
import { toJobError } from '../pipeline/job-errors.ts';
import type { EscalationFacts } from '../pipeline/listeners.ts';
import type { ResponderDecision } from '../domain/ports.ts';
import type { AgentDoc, MessageDoc, TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { DispatchConfig } from './config.ts';
import { forecastDemand, type DemandForecast } from './forecast.ts';
import { DISPATCH_QUEUE, offerJobId, type DispatchJobData } from './jobs.ts';
import type { DispatchNotifier } from './ports.ts';
import { planOffers, type AgentView, type RoutingState, type WaitingView } from './routing.ts';
import { assess, assessmentFields, gatherFacts, type KnownFacts } from './scoring.ts';
import { SlaTimers } from './sla-timers.ts';
import { explainUrgency, type UrgencyFacts } from './urgency.ts';
import { listAgents, listQueuedTickets, updateTicketWhen } from './tickets.ts';

export interface DispatcherDeps {
  pool: TicketPool;
  config: DispatchConfig;
  notifier: DispatchNotifier;
  /** Producer connection (adds jobs); workers get their own in startWorker. */
  connection: ConnectionOptions;
  /** BullMQ key prefix (the gateway's QUEUE_PREFIX). */
  prefix: string;
  /** Kept completed jobs de-duplicate repeated adds by job id. */
  keepCompletedJobs?: number;
  logger?: Logger | undefined;
  /** The clock (tests and the benchmark move it). */
  now?: () => Date;
  /** Languages an agent with none set speaks (AGENT_DEFAULT_LANGUAGES, default KB_LOCALES). */
  defaultLanguages?: readonly string[];
}

export interface PassResult {
  offered: number;
  /** Planned offers another dispatcher (or a Take) got to first. */
  lost: number;
}

/** Waiting-ticket views for the planner. */
function waitingView(ticket: TicketDoc, teams: readonly TeamView[]): WaitingView {
  return {
    id: String(ticket._id),
    requiredSkills: ticket.requiredSkills,
    team: teamFor(ticket.requiredSkills, teams)?.key,
    language: ticket.language ?? undefined,
    urgency: ticket.urgency,
    tier: ticket.tier ?? 'standard',
    queuedAt: ticket.queuedAt ?? ticket.createdAt,
    declinedBy: ticket.offerDeclinedBy.map(String),
  };
}

function agentView(
  agent: AgentDoc,
  defaultLanguages: readonly string[],
  teams: readonly TeamView[],
): AgentView {
  return {
    id: String(agent._id),
    skills: skillsWithTeams(agent.skills ?? [], agent.teams ?? [], teams),
    teams: agent.teams ?? [],
    // Nobody set this agent's languages: the workspace's languages, not none (which matched no
    // ticket with a detected language, so every escalation waited for the fallback).
    // (An upsert stores no empty array on FerretDB 1.x: the field may be missing.)
    languages: agent.languages?.length ? agent.languages : defaultLanguages,
    capacity: agent.capacity,
    active: agent.activeTickets,
    status: agent.status,
    role: agent.role,
  };
}

/** What rescore's condition and SLA fields read of the ticket (updateTicketWhen's pin). */
const RESCORE_READS = [
  'status',
  'slaPolicy',
  'slaState',
  'slaPausedAt',
  'queuedAt',
  'nextResponseDueAt',
  'lastCustomerMessageAt',
] as const;

/**
 * Smart dispatch: scores escalated tickets, keeps their SLA timers, and offers waiting tickets to
 * agents. Runs as BullMQ jobs on one queue, so any number of processes can run it at once; what
 * keeps them from giving one ticket to two agents or an agent too many tickets is not the queue but
 * the pool's locks: the agent's slot is reserved under the agent's lock (never over capacity), and
 * the offer is written under the ticket's lock only if the ticket has none (one agent per ticket).
 */
export class Dispatcher {
  readonly queue: Queue<DispatchJobData>;
  readonly sla: SlaTimers;
  private readonly state: RoutingState = { cursor: 0 };
  private readonly now: () => Date;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? (() => new Date());
    this.queue = new Queue<DispatchJobData>(DISPATCH_QUEUE, {
      connection: deps.connection,
      prefix: deps.prefix,
      defaultJobOptions: {
        attempts: 8,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { count: deps.keepCompletedJobs ?? 10_000 },
        // Ticket and agent ids only; a failed pass is kept a while to look into, not forever.
        removeOnFail: { age: 14 * 86_400 },
      },
    });
    this.sla = new SlaTimers({
      pool: deps.pool,
      queue: this.queue,
      notifier: deps.notifier,
      settings: deps.config.settings.sla,
      now: this.now,
      logger: deps.logger,
    });
  }

  // ---- ingest hooks ---------------------------------------------------------------------------

  /**
   * The pipeline's escalating event (src/dispatch/listener.ts): the ticket was just queued. Scores it, sets tier, priority and SLA,
   * alerts the supervisors for a critical one, and asks for a dispatch pass. Returns the ticket as
   * stored, so the desk's card shows the score. Idempotent (a retried ingest job repeats it).
   */
  async onEscalating(
    ticket: TicketDoc,
    message: MessageDoc,
    decision: Pick<ResponderDecision, 'intent' | 'sentiment'> & { distress?: string | undefined },
    known?: EscalationFacts,
  ): Promise<TicketDoc> {
    const hint = {
      intent: decision.intent,
      sentiment: decision.sentiment,
      distress: decision.distress,
    };
    const scored = await this.rescore(ticket, {
      gather: true,
      hint,
      known: {
        ...(known?.ticketOpenedForMessage ? { messages: [message] } : {}),
        ...(known?.contactIsNew ? { otherTickets: 0 } : {}),
      },
    });
    // Keyed by the queuing: a retried ingest job adds nothing, a later escalation adds a pass.
    await this.requestPass(`escalated.${String(ticket._id)}.${ticket.queuedAt?.getTime() ?? 0}`);
    return scored ?? ticket;
  }

  /** A customer message on a queued or assigned ticket (the pipeline's customerMessage event). */
  async onCustomerMessage(ticket: TicketDoc, message: MessageDoc): Promise<void> {
    const current = await this.sla.onCustomerMessage(ticket, message.receivedAt ?? this.now());
    await this.rescore(current, { gather: true, hint: {} });
  }

  // ---- desk callbacks -------------------------------------------------------------------------

  /** An agent answered the customer (desk reply, API reply): first response met, clock paused. */
  async onAgentReply(ticketId: string, at: Date = this.now()): Promise<void> {
    await this.sla.onAgentResponse(ticketId, at);
  }

  /**
   * The agent's Take on an offered (or any queued) ticket: assigned to them, their slot counted
   * (kept if it was reserved by the offer), any other agent's offer withdrawn.
   */
  async acceptOffer(ticketId: string, agentId: string): Promise<TicketDoc> {
    const assigned = await this.deps.pool.transition(ticketId, 'assigned', {
      by: `agent:${agentId}`,
      reason: 'offer taken',
      expectedFrom: 'queued',
      set: { assigneeId: agentId },
    });
    await this.deps.pool.reserveAgentSlot(agentId, ticketId, { overCapacity: true });
    await this.settleOffer(ticketId, undefined, true);
    return assigned;
  }

  /** Desk deps.onTicketReleased: released or resolved; frees the slot and offers again. */
  async onTicketReleased(ticketId: string): Promise<void> {
    const ticket = await this.deps.pool.getTicket(ticketId);
    if (!ticket) return;
    const holders = (await this.deps.pool.models.Agent.find({
      activeTicketIds: ticket._id,
    }).lean()) as AgentDoc[];
    for (const agent of holders) {
      const keeps = ticket.status === 'assigned' && String(ticket.assigneeId) === String(agent._id);
      const offered =
        ticket.status === 'queued' && String(ticket.offer?.agentId) === String(agent._id);
      if (!keeps && !offered) await this.deps.pool.releaseAgentSlot(agent._id, ticket._id);
    }
    if (ticket.status === 'resolved' || ticket.status === 'closed')
      await this.sla.onResolved(ticketId);
    await this.requestPass(`released.${ticketId}.${Date.now()}`);
  }

  /** Desk deps.onAgentStatus: an agent back gets offers; an agent away loses theirs. */
  async onAgentStatus(agentId: string, status: 'available' | 'away' | 'offline'): Promise<void> {
    if (status !== 'available') {
      const offered = (await this.deps.pool.models.Ticket.find({
        status: 'queued',
        'offer.agentId': agentId,
      }).lean()) as unknown as TicketDoc[];
      // Withdrawn, not declined: back from the break, the agent may get these tickets again.
      for (const ticket of offered)
        await this.settleOffer(String(ticket._id), undefined, true, false);
    }
    await this.requestPass(`agent.${agentId}.${status}.${Date.now()}`);
  }

  // ---- the dispatch pass ----------------------------------------------------------------------

  /** Queues a pass; `key` names the event, so a repeated event queues one pass. */
  async requestPass(key: string): Promise<void> {
    await this.queue.add('pass', { kind: 'pass', reason: key }, { jobId: `pass.${key}` });
  }

  /**
   * Plans offers over a fresh snapshot and carries each out under the locks: reserve the agent's
   * slot (refused when away or full), then write the offer if the ticket is still queued and
   * unoffered; if that write is refused, the slot goes back.
   */
  async runPass(queued?: readonly TicketDoc[]): Promise<PassResult> {
    const { pool, config } = this.deps;
    const now = this.now();
    // The agents first (tens to hundreds of small documents): with nobody available and below
    // capacity nothing can be offered, and the waiting tickets — a long list exactly when agents
    // are all busy — are not read at all. Passes run on every escalation, release and lapse.
    const defaults = this.deps.defaultLanguages ?? [];
    const records = await listAgents(pool.models);
    // Teams are read only when someone is in one: without members they change no plan.
    const teams = records.some((a) => a.teams?.length)
      ? (await listTeams(pool.models)).map(teamView)
      : [];
    const agents = records.map((a) => agentView(a, defaults, teams));
    if (!agents.some((a) => a.status === 'available' && a.active < a.capacity))
      return { offered: 0, lost: 0 };
    const tickets = queued ?? (await listQueuedTickets(pool.models));
    const waiting = tickets.filter((t) => !t.offer?.agentId).map((t) => waitingView(t, teams));
    const plan = planOffers(
      waiting,
      agents,
      config.DISPATCH_POLICY,
      now,
      config.settings.routing,
      this.state,
    );
    let offered = 0;
    let lost = 0;
    // The plan is carried out within moments, so its order matters little; starting at a random
    // point keeps two dispatchers that planned alike from contending for every ticket in turn.
    const start = plan.length === 0 ? 0 : Math.floor(Math.random() * plan.length);
    for (const step of [...plan.slice(start), ...plan.slice(0, start)]) {
      if (await this.offer(step.ticketId, step.agentId)) offered += 1;
      else lost += 1;
    }
    return { offered, lost };
  }

  /** One offer, guarded on both sides. True when this dispatcher made it. */
  async offer(ticketId: string, agentId: string): Promise<boolean> {
    const { pool, config, notifier } = this.deps;
    // A plain read first: when another dispatcher already offered the ticket, skip the two locked
    // writes (reserve, release) this offer would cost. The locked check below still decides.
    const seen = await pool.getTicket(ticketId);
    if (seen?.status !== 'queued' || seen.offer?.agentId) return false;
    const reserved = await pool.reserveAgentSlot(agentId, ticketId, { requireAvailable: true });
    if (reserved !== 'reserved') return false;
    const offerId = randomBytes(6).toString('hex');
    const expiresAt = new Date(this.now().getTime() + config.DISPATCH_OFFER_SECONDS * 1000);
    const offered = await updateTicketWhen(
      pool.models,
      pool.locks,
      ticketId,
      (t) => t.status === 'queued' && !t.offer?.agentId,
      () => ({ $set: { offer: { agentId, offerId, expiresAt } } }),
    );
    if (!offered) {
      await pool.releaseAgentSlot(agentId, ticketId);
      return false;
    }
    await this.queue.add(
      'offer-expiry',
      { kind: 'offer-expiry', ticketId, offerId },
      { jobId: offerJobId(ticketId, offerId), delay: config.DISPATCH_OFFER_SECONDS * 1000 },
    );
    await notifier.offerTicket(offered, agentId, expiresAt);
    return true;
  }

  /**
   * Ends a ticket's offer (the given one, or whichever it has): taken by the offered agent → the
   * slot stays theirs; otherwise the slot is freed, the offer withdrawn, and a still-waiting
   * ticket goes to the next agent. Unless `force`, only an offer past its time is ended.
   */
  async settleOffer(
    ticketId: string,
    offerId: string | undefined,
    force: boolean,
    decline = true,
  ): Promise<string> {
    const { pool, notifier } = this.deps;
    const now = this.now();
    let ended: { agentId: Types.ObjectId; offerId: string } | undefined;
    const updated = await updateTicketWhen(
      pool.models,
      pool.locks,
      ticketId,
      (t) =>
        Boolean(t.offer?.agentId) &&
        (offerId === undefined || t.offer?.offerId === offerId) &&
        (force || !t.offer?.expiresAt || t.offer.expiresAt <= now),
      (t) => {
        const agentId = t.offer?.agentId as Types.ObjectId;
        ended = { agentId, offerId: t.offer?.offerId ?? '' };
        const lapsed = t.status === 'queued' && decline;
        return {
          $unset: { offer: 1 },
          ...(lapsed ? { $set: { offerDeclinedBy: [...t.offerDeclinedBy, agentId] } } : {}),
        };
      },
    );
    if (!updated || !ended) return 'no-offer';
    const agentId = String(ended.agentId);
    if (updated.status === 'assigned' && String(updated.assigneeId) === agentId) return 'taken';
    await pool.releaseAgentSlot(agentId, ticketId);
    await notifier.withdrawOffer(updated, agentId);
    await this.queue.remove(offerJobId(ticketId, ended.offerId));
    if (updated.status === 'queued') await this.requestPass(`lapsed.${ticketId}.${ended.offerId}`);
    return 'withdrawn';
  }

  // ---- scoring --------------------------------------------------------------------------------

  /**
   * Recomputes score, tier, priority and needed skills; with `gather`, from the transcript (a new
   * message), else from the stored facts with the clock moved on (the tick). Writes only when
   * something changed; starts or moves the SLA; alerts supervisors once when a ticket turns
   * critical.
   */
  async rescore(
    ticket: TicketDoc,
    options: {
      gather: boolean;
      hint: {
        intent?: string | undefined;
        sentiment?: number | undefined;
        distress?: string | undefined;
      };
      /** What the caller knows without a read (see gatherFacts). */
      known?: KnownFacts | undefined;
    },
  ): Promise<TicketDoc | null> {
    const { pool, config, notifier } = this.deps;
    const now = this.now();
    const stored = ticket.urgencyFacts as UrgencyFacts | undefined;
    const facts =
      options.gather || !stored
        ? await gatherFacts(pool, ticket, config.settings, now, options.hint, options.known)
        : stored;
    const result = assess(ticket, facts, config.settings, now);
    const fields = assessmentFields(result, facts);
    const changed =
      options.gather ||
      ticket.urgency !== fields.urgency ||
      ticket.tier !== fields.tier ||
      ticket.priority !== fields.priority;
    // The SLA moves only with the priority (the tick must not touch timers of every ticket); a new
    // message re-ensures the timers too.
    const slaWanted = options.gather || ticket.slaPolicy !== result.priority;
    const slaRuns = (t: TicketDoc) => t.status === 'queued' || t.status === 'assigned';
    let current: TicketDoc = ticket;
    if (changed || slaWanted) {
      // The score and the SLA targets it sets are one write: each read or update costs a scan of
      // the tickets on FerretDB (see pool/tickets.ts), so two would cost twice.
      let before: TicketDoc | undefined;
      let slaStarted = false;
      const planned = (t: TicketDoc) =>
        slaRuns(t) ? this.sla.startFields(t, result.priority) : undefined;
      const updated = await updateTicketWhen(
        pool.models,
        pool.locks,
        ticket._id,
        (t) => {
          before = t;
          return t.status !== 'closed' && (changed || planned(t) !== undefined);
        },
        (t) => {
          const sla = planned(t);
          slaStarted = sla !== undefined;
          return { $set: { ...(changed ? fields : {}), ...sla } };
        },
        // The ticket as the pipeline's last write returned it: usually written without a read.
        { ticket, reads: RESCORE_READS },
      );
      current = updated ?? before ?? ticket;
      if (updated && slaStarted && before) await this.sla.cancel(before);
    }
    if (slaWanted && slaRuns(current)) await this.sla.schedule(current);
    if (result.tier === 'critical') {
      const claimed = await updateTicketWhen(
        pool.models,
        pool.locks,
        ticket._id,
        (t) => !t.supervisorEscalatedAt,
        () => ({ $set: { supervisorEscalatedAt: now } }),
      );
      if (claimed) {
        await notifier.alertSupervisors(
          claimed,
          `Critical ticket #${claimed.number} (${result.tierReason}): urgency ${result.urgency.score} — ${explainUrgency(result.urgency.parts)}`,
        );
        current = claimed;
      }
    }
    return current;
  }

  /**
   * The tick: rescores waiting tickets as time passes, ends lapsed offers, runs a pass. One read
   * of the waiting tickets serves all three: a rescore writes only what changed (the score moves
   * a point every ten minutes of waiting) and returns the ticket as stored, and the pass plans on
   * those versions (its offers are checked under the locks anyway, like any plan).
   */
  async tick(): Promise<PassResult> {
    const now = this.now();
    const tickets = await listQueuedTickets(this.deps.pool.models);
    const current: TicketDoc[] = [];
    for (const listed of tickets) {
      let ticket: TicketDoc | null = listed;
      if (listed.offer?.expiresAt && listed.offer.expiresAt <= now) {
        const ended = await this.settleOffer(String(listed._id), undefined, false);
        if (ended !== 'no-offer') ticket = await this.deps.pool.getTicket(listed._id);
        if (!ticket) continue;
      }
      const rescored = (await this.rescore(ticket, { gather: false, hint: {} })) ?? ticket;
      if (rescored.status === 'queued') current.push(rescored);
    }
    return this.runPass(current);
  }

  /** The 24-hour demand forecast from the stored tickets (for the admin API). */
  async forecast(): Promise<DemandForecast> {
    const { pool, config } = this.deps;
    const now = this.now();
    const since = new Date(now.getTime() - config.settings.forecast.historyWeeks * 7 * 86_400_000);
    const rows = await pool.models.Ticket.find({ createdAt: { $gte: since } })
      .select({ createdAt: 1, channel: 1 })
      .lean();
    return forecastDemand(
      rows.map((r) => ({ at: r.createdAt, channel: r.channel })),
      now,
      config.settings.forecast,
    );
  }

  // ---- jobs -----------------------------------------------------------------------------------

  async handle(data: DispatchJobData): Promise<unknown> {
    switch (data.kind) {
      case 'pass':
        return this.runPass();
      case 'tick':
        return this.tick();
      case 'offer-expiry':
        return this.settleOffer(data.ticketId, data.offerId, true);
      case 'sla':
        return this.sla.fire(data.ticketId, data.slaKind, data.stage, data.dueEpoch);
    }
  }

  /** The repeatable tick, shared by all processes (one scheduler id, BullMQ runs it once). */
  async scheduleTick(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'dispatch-tick',
      { every: this.deps.config.DISPATCH_TICK_SECONDS * 1000 },
      { name: 'tick', data: { kind: 'tick' } },
    );
  }

  /** Starts a worker on a connection with maxRetriesPerRequest null. */
  startWorker(connection: ConnectionOptions, options: { lockDuration?: number } = {}) {
    const worker = new Worker<DispatchJobData>(
      DISPATCH_QUEUE,
      async (job: Job<DispatchJobData>) => {
        try {
          return await this.handle(job.data);
        } catch (error) {
          throw toJobError(error);
        }
      },
      {
        connection,
        prefix: this.deps.prefix,
        concurrency: this.deps.config.DISPATCH_CONCURRENCY,
        ...(options.lockDuration ? { lockDuration: options.lockDuration } : {}),
      },
    );
    worker.on('failed', (job, error) =>
      this.deps.logger?.warn(
        { queue: DISPATCH_QUEUE, job: job?.id, err: error },
        'dispatch job failed',
      ),
    );
    worker.on('error', (error) => this.deps.logger?.error({ err: error }, 'dispatch worker error'));
    return worker;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
