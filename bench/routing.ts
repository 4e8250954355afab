/**
 * `npm run bench:routing -- [--seed 42] [--agents 30] [--unskilledPct 150] [--raceTickets 300]
 * [--raceAgents 40]`
 *
 * 1. Replays a seeded synthetic week (daily peaks, a sale-day surge, skills, languages, urgencies,
 *    agents on shifts going away and back) through the dispatch code under three policies — round
 *    robin, least busy and Switchboard's best fit — and reports waits, SLA breaches, skill match
 *    and utilisation spread for each (bench/routing-sim.ts).
 * 2. Trains the demand forecast on the weeks before the replay's last day and reports its MAPE on
 *    that day.
 * 3. Races two Dispatcher instances over the same waiting tickets on real Redis and FerretDB (the
 *    lock-guarded offers), best fit next to round robin in the same run, and reconciles from the
 *    store: no ticket offered twice, no agent over capacity.
 * Last line: one JSON object.
 */
import { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { updateAgentSettings } from '../src/accounts/agent-settings.ts';
import { enrolSlackAgent } from '../src/accounts/enrolment.ts';
import { parseDispatchSettings } from '../src/dispatch/config.ts';
import { Dispatcher } from '../src/dispatch/dispatcher.ts';
import { forecastDemand, meanAbsolutePercentageError } from '../src/dispatch/forecast.ts';
import { silentNotifier } from '../src/dispatch/ports.ts';
import type { RoutingPolicy } from '../src/dispatch/routing.ts';
import { startThrowawayServices } from '../src/local/throwaway-services.ts';
import { redisDocumentLocks } from '../src/pool/locks.ts';
import type { AgentDoc, TicketDoc } from '../src/pool/models.ts';
import { TicketPool } from '../src/pool/pool.ts';
import { intFlags } from './args.ts';
import {
  generateWorkload,
  replay,
  replaySettings,
  rng,
  templateSentiments,
  type PolicyReport,
} from './routing-sim.ts';

const flags = intFlags({
  seed: 42,
  agents: 30,
  offerMinutes: 2,
  /** Handle time of a ticket answered without the skill or language, in % of a skilled one. */
  unskilledPct: 150,
  raceTickets: 300,
  raceAgents: 40,
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const MINUTE = 60_000;
const WEEK_START = Date.UTC(2026, 10, 2); // a Monday

async function simulate() {
  const workload = generateWorkload(flags.seed, flags.agents);
  const settings = replaySettings();
  const sentiments = await templateSentiments();
  log(
    `replay: ${workload.tickets.length} tickets over 7 days (sale day: day ${workload.saleDay + 1}), ` +
      `${workload.agents.length} agents, seed ${flags.seed}`,
  );
  const policies: Record<string, PolicyReport> = {};
  for (const [name, policy] of [
    ['roundRobin', 'round-robin'],
    ['leastBusy', 'least-busy'],
    ['switchboard', 'best-fit'],
  ] as const) {
    const started = performance.now();
    policies[name] = replay(
      workload,
      policy,
      settings,
      sentiments,
      flags.offerMinutes,
      flags.unskilledPct / 100,
    );
    const r = policies[name];
    log(
      `${name.padEnd(12)} urgent mean/p90 ${r.urgentMeanWaitMin}/${r.urgentP90WaitMin} min, ` +
        `all mean/p90 ${r.allMeanWaitMin}/${r.allP90WaitMin} min, SLA breaches ${(r.slaBreachRate * 100).toFixed(1)} %, ` +
        `skill match ${(r.skillMatchRate * 100).toFixed(1)} % (when a skilled agent was free ` +
        `${(r.skillMatchWhenAvailableRate * 100).toFixed(1)} %), utilisation spread ${r.utilisationSpread} ` +
        `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }

  // Forecast: trained on everything before the last day, scored on the last day's hours.
  const lastDay = (7 - 1) * 1440;
  const history = workload.history
    .filter((h) => h.minute < lastDay)
    .map((h) => ({ at: new Date(WEEK_START + h.minute * MINUTE), channel: h.channel }));
  const forecast = forecastDemand(
    history,
    new Date(WEEK_START + lastDay * MINUTE),
    settings.forecast,
  );
  const actual = Array.from({ length: 24 }, () => 0);
  for (const h of workload.history) {
    if (h.minute < lastDay || h.minute >= lastDay + 1440) continue;
    const hour = Math.floor((h.minute - lastDay) / 60);
    actual[hour] = (actual[hour] ?? 0) + 1;
  }
  const forecastMape = meanAbsolutePercentageError(
    actual,
    forecast.hours.map((h) => h.total),
  );
  // Weighted error too: MAPE counts a quiet night hour (2 tickets, forecast 3: 50 %) like a peak.
  const forecastWape =
    (actual.reduce((sum, a, i) => sum + Math.abs(a - (forecast.hours[i]?.total ?? 0)), 0) /
      Math.max(
        1,
        actual.reduce((sum, a) => sum + a, 0),
      )) *
    100;
  const peak = forecast.hours.reduce((a, b) => (b.total > a.total ? b : a));
  log(
    `forecast of the last day: MAPE ${forecastMape.toFixed(1)} %, WAPE ${forecastWape.toFixed(1)} %, peak ${peak.total} tickets at ` +
      `${peak.hour.toISOString().slice(11, 16)} UTC needing ${peak.agentsNeeded} agents`,
  );
  return {
    workload,
    policies,
    forecastMape: Number(forecastMape.toFixed(2)),
    forecastWape: Number(forecastWape.toFixed(2)),
  };
}

interface RaceReport {
  tickets: number;
  agents: number;
  slots: number;
  offers: number;
  offersPerSecond: number;
  lostRaces: number;
  doubleOffered: number;
  agentsOverCapacity: number;
  heldMismatches: number;
  skillMatchRate: number;
}

/** Two dispatchers, one store: how fast offers go out, and whether the guarantees held. */
async function race(
  policy: RoutingPolicy,
  mongoUrl: string,
  redisUrl: string,
): Promise<RaceReport> {
  const random = rng(flags.seed + 1);
  const tag = `benchroute${Date.now()}${policy.replace('-', '')}`;
  const redisA = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const redisB = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const poolA = await TicketPool.connect(mongoUrl, {
    dbName: tag,
    locks: redisDocumentLocks(redisA, { prefix: tag }),
  });
  const poolB = await TicketPool.connect(mongoUrl, {
    dbName: tag,
    locks: redisDocumentLocks(redisB, { prefix: tag }),
  });
  const skills = ['billing', 'accounts', 'logistics'];
  // Agents as an operator sets them up: enrolled (`switchboard agent enrol`), then their skills,
  // languages and capacity (`switchboard agent set`): the same functions those commands call.
  for (let i = 0; i < flags.raceAgents; i += 1) {
    const slackUserId = `U0BENCH${String(i).padStart(3, '0')}`;
    await enrolSlackAgent(poolA.models, { slackUserId, displayName: `Agent ${i}`, by: 'bench' });
    await updateAgentSettings(
      poolA.models,
      { identity: `slack:${slackUserId}` },
      {
        skills: [skills[i % 3] as string, ...(i % 4 === 0 ? [skills[(i + 1) % 3] as string] : [])],
        languages: i % 3 === 0 ? ['en', 'zh'] : ['en'],
        capacity: 3 + (i % 4),
        status: 'available',
        role: 'agent',
      },
      'bench',
    );
  }
  const contactId = new Types.ObjectId();
  const now = Date.now();
  await poolA.models.Ticket.insertMany(
    Array.from({ length: flags.raceTickets }, (_, i) => ({
      number: i + 1,
      channel: 'api',
      threadKey: `bench-${i}`,
      contactId,
      replyTo: { kind: 'api', value: 'bench/customer' },
      status: 'queued',
      queuedAt: new Date(now - Math.floor(random() * 20) * MINUTE),
      urgency: Math.floor(random() * 100),
      requiredSkills: random() < 0.8 ? [skills[Math.floor(random() * 3)] as string] : [],
      language: random() < 0.25 ? 'zh' : 'en',
    })),
  );
  const config = {
    DISPATCH_POLICY: policy,
    DISPATCH_OFFER_SECONDS: 600,
    DISPATCH_TICK_SECONDS: 30,
    DISPATCH_CONCURRENCY: 1,
    settings: parseDispatchSettings({}),
  };
  const dispatcherA = new Dispatcher({
    pool: poolA,
    config,
    notifier: silentNotifier,
    connection: redisA,
    prefix: tag,
  });
  const dispatcherB = new Dispatcher({
    pool: poolB,
    config,
    notifier: silentNotifier,
    connection: redisB,
    prefix: tag,
  });
  let offers = 0;
  let lost = 0;
  const drive = async (dispatcher: Dispatcher) => {
    // Passes until one finds nothing left to offer (the other dispatcher may still be finishing).
    for (;;) {
      const result = await dispatcher.runPass();
      offers += result.offered;
      lost += result.lost;
      if (result.offered === 0) return;
    }
  };
  const started = performance.now();
  await Promise.all([drive(dispatcherA), drive(dispatcherB)]);
  const seconds = (performance.now() - started) / 1000;

  const tickets = (await poolA.models.Ticket.find({}).lean()) as unknown as TicketDoc[];
  const agents = (await poolA.models.Agent.find({}).lean()) as AgentDoc[];
  const byId = new Map(agents.map((a) => [String(a._id), a]));
  const holders = new Map<string, number>();
  for (const agent of agents)
    for (const id of agent.activeTicketIds.map(String)) holders.set(id, (holders.get(id) ?? 0) + 1);
  const offered = tickets.filter((t) => t.offer?.agentId);
  let heldMismatches = 0;
  let matched = 0;
  for (const ticket of offered) {
    const agent = byId.get(String(ticket.offer?.agentId));
    if (!agent?.activeTicketIds.map(String).includes(String(ticket._id))) heldMismatches += 1;
    if (
      agent &&
      ticket.requiredSkills.every((s) => agent.skills.includes(s)) &&
      (!ticket.language || agent.languages.includes(ticket.language))
    )
      matched += 1;
  }
  heldMismatches += [...holders.keys()].filter(
    (id) => !offered.some((t) => String(t._id) === id),
  ).length;
  const report: RaceReport = {
    tickets: tickets.length,
    agents: agents.length,
    slots: agents.reduce((s, a) => s + a.capacity, 0),
    offers: offered.length,
    offersPerSecond: Number((offers / seconds).toFixed(1)),
    lostRaces: lost,
    doubleOffered: [...holders.values()].filter((n) => n > 1).length,
    agentsOverCapacity: agents.filter((a) => a.activeTicketIds.length > a.capacity).length,
    heldMismatches,
    skillMatchRate: Number((matched / Math.max(1, offered.length)).toFixed(4)),
  };
  if (report.offers !== offers) log(`warning: ${offers} offers counted, ${report.offers} stored`);
  await dispatcherA.queue.obliterate({ force: true });
  await dispatcherA.close();
  await dispatcherB.close();
  await poolA.models.Ticket.db.dropDatabase();
  await poolA.close();
  await poolB.close();
  redisA.disconnect();
  redisB.disconnect();
  return report;
}

async function main(): Promise<void> {
  const { workload, policies, forecastMape, forecastWape } = await simulate();
  const services = await startThrowawayServices({
    name: 'bench-routing',
    mongoUrl: process.env['MONGODB_URI'],
    redisUrl: process.env['REDIS_URL'],
  });
  const concurrency: Record<string, RaceReport> = {};
  try {
    for (const [name, policy] of [
      ['switchboard', 'best-fit'],
      ['roundRobin', 'round-robin'],
    ] as const) {
      const r = await race(policy, services.mongoUrl, services.redisUrl);
      concurrency[name] = r;
      log(
        `two dispatchers, ${name}: ${r.offers} offers of ${r.tickets} tickets to ${r.agents} agents ` +
          `(${r.slots} slots) at ${r.offersPerSecond}/s, ${r.lostRaces} races lost; double offers ` +
          `${r.doubleOffered}, agents over capacity ${r.agentsOverCapacity}, mismatches ` +
          `${r.heldMismatches}, skill match ${(r.skillMatchRate * 100).toFixed(1)} %`,
      );
    }
  } finally {
    await services.stop();
  }
  const result = {
    policies: Object.fromEntries(
      Object.entries(policies).map(([name, r]) => [
        name,
        {
          urgentMeanWaitMin: r.urgentMeanWaitMin,
          urgentP90WaitMin: r.urgentP90WaitMin,
          allMeanWaitMin: r.allMeanWaitMin,
          allP90WaitMin: r.allP90WaitMin,
          slaBreachRate: r.slaBreachRate,
          skillMatchRate: r.skillMatchRate,
          skillMatchWhenAvailableRate: r.skillMatchWhenAvailableRate,
          utilisationSpread: r.utilisationSpread,
        },
      ]),
    ),
    forecastMape,
    forecastWape,
    workload: {
      seed: flags.seed,
      unskilledPct: flags.unskilledPct,
      tickets: workload.tickets.length,
      agents: workload.agents.length,
      urgentTickets: policies['switchboard']?.urgentTickets,
    },
    concurrency,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
