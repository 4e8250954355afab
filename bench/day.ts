/**
 * `npm run bench:day -- [--customers 60] [--minutes 8] [--seed 7] [--workers 1]`
 *
 * The support-day drill (issue 16 item 9). The gateway runs as an operator runs it — one api and
 * `--workers` worker processes on local Redis, FerretDB and Dovecot, the Slack and Twilio
 * stand-ins, web chat over Direct Line — and is set up only through the product's interfaces: the
 * CLI (integration, agents, a team, the first admin), the admin API (a console agent's account,
 * a supervisor's changes mid-day) and Slack (`/switchboard available`). Then a seeded, compressed
 * day of customers on the API, SMS, email and web chat channels: both languages, VIP tiers,
 * questions the knowledge base answers and questions it does not, angry customers, customers who
 * confirm or reject the bot's answer or go quiet, and customers who come back. Agents work in
 * Slack (offers, Take, notes, answers, Resolve) and one from the console's API.
 *
 * Last line: `{tickets, escalated, heldWhileAgentFree, medianOfferSeconds, p90OfferSeconds,
 * botResolved, dashboardSelfServiceRate, trueSelfServiceRate, slaBreaches, notesStored,
 * repliesRefused, csatAsked, csatExpected, lost, duplicates, …}` (docs/benchmarks.md#support-day).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SEED_ARTICLES_DIR, readArticleFolder } from '../knowledge/folder.ts';
import type { ArticleContent } from '../src/domain/article.ts';
import { skillsWithTeams, teamFor } from '../src/dispatch/teams.ts';
import { findFreePort } from '../src/local/free-port.ts';
import { TicketPool } from '../src/pool/pool.ts';
import { FakeSlack } from '../test/desk/fake-slack.ts';
import { intFlags, percentile } from './args.ts';
import { DrillServers } from './chaos/servers.ts';
import { AdminApi, type AgentSummary, type TicketSummary } from './day/admin-api.ts';
import { ConsoleAgent } from './day/console-agent.ts';
import {
  apiConversation,
  emailConversation,
  smsConversation,
  webchatConversation,
  type ChannelEndpoints,
  type Conversation,
  type DayChannel,
} from './day/customers.ts';
import { DayInbox } from './day/inbox.ts';
import { SlackAgents, type SlackAgent } from './day/slack-agents.ts';
import {
  playVisit,
  ratingQuestions,
  type Persona,
  type Visit,
  type VisitOutcome,
} from './day/visits.ts';
import {
  createIntegrationByCli,
  startGatewayProcess,
  type GatewayProcess,
} from './gateway-processes.ts';

const run = promisify(execFile);
const flags = intFlags({ customers: 60, minutes: 8, seed: 7, workers: 1 });

const SUPPORT_PASSWORD = 'day-support-password';
const SLACK_SECRET = 'day-slack-signing-secret-0123456789';
const ADMIN_TOKEN = 'day-operator-admin-token-0123456789';
const AGENTS_CHANNEL = 'C0DAYDESK';
const BILLING_CHANNEL = 'C0DAYBILL';
const TWILIO = {
  accountSid: `AC${'d'.repeat(32)}`,
  authToken: 'day-twilio-auth-token-0123456789',
  number: '+14155550199',
};
/** Lifecycle settings of the compressed day (production defaults are hours and days). */
const QUIET_SECONDS = 20;
const CLOSE_SECONDS = 20;
const TICK_SECONDS = 5;
/** A wait shorter than this is one dispatch pass, not a ticket held (see heldWhileAgentFree). */
const PASS_GRACE_SECONDS = TICK_SECONDS + 3;
/** The routing settings' bounded wait for a better fit (defaults: 30 and 5 minutes). */
const PATIENCE_SECONDS = { standard: 30 * 60, urgent: 5 * 60 };

const AGENTS: Array<SlackAgent & { languages: string; capacity: number; role?: string }> = [
  { id: 'U0DAYADA1', name: 'ada', languages: 'en', capacity: 2 },
  { id: 'U0DAYBOB1', name: 'bob', languages: 'en', capacity: 2 },
  { id: 'U0DAYMEI1', name: 'mei', languages: 'zh', capacity: 1 },
  { id: 'U0DAYSAM1', name: 'sam', languages: 'en,zh', capacity: 2, role: 'supervisor' },
];

const UNCOVERED = {
  en: [
    'Can I pay my electricity bill through your shop?',
    'Do you buy back old furniture for cash?',
    'Can you recommend a good plumber near me?',
    'Is your CEO going to speak at the trade fair?',
  ],
  zh: ['你们可以帮我交电费吗？', '你们回收旧家具换现金吗？', '能推荐一个附近的水管工吗？'],
};
const ANGRY = {
  en: [
    "This is the third time my order is late, I want a refund NOW or I'm calling my lawyer",
    'Absolutely unacceptable. Get me your manager immediately.',
  ],
  zh: [
    '我要投诉！订单第三次延误了，再不处理我就找律师起诉你们',
    '太过分了，马上让你们经理来处理！',
  ],
};

function log(line: string): void {
  process.stderr.write(`[day ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** mulberry32: the day is the same for the same seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PlannedCustomer {
  n: number;
  channel: DayChannel;
  startSeconds: number;
  tier?: string;
  visits: Visit[];
}

function planDay(random: () => number, articles: ArticleContent[]): PlannedCustomer[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const byLocale = {
    en: articles.filter((a) => a.locale === 'en'),
    zh: articles.filter((a) => a.locale === 'zh'),
  };
  const visit = (language: 'en' | 'zh'): Visit => {
    const roll = random();
    const persona: Persona =
      roll < 0.3
        ? 'confirms'
        : roll < 0.5
          ? 'goes-quiet'
          : roll < 0.65
            ? 'rejects'
            : roll < 0.85
              ? 'uncovered'
              : 'angry';
    if (persona === 'uncovered') return { persona, language, question: pick(UNCOVERED[language]) };
    if (persona === 'angry') return { persona, language, question: pick(ANGRY[language]) };
    const article = pick(byLocale[language]);
    return {
      persona,
      language,
      question: pick(article.questions),
      expected: { title: article.title, answer: article.answer },
    };
  };
  const channels: DayChannel[] = ['api', 'api', 'sms', 'email', 'webchat'];
  const spread = flags.minutes * 60 * 0.55;
  return Array.from({ length: flags.customers }, (_, n) => {
    const channel = pick(channels);
    const language: 'en' | 'zh' = random() < 0.3 ? 'zh' : 'en';
    // Web chat visitors are anonymous: a second visit would be a new customer.
    const returns = channel !== 'webchat' && random() < 0.2;
    return {
      n,
      channel,
      startSeconds: Math.round(random() * spread),
      ...(channel === 'api' && random() < 0.25 ? { tier: 'vip' } : {}),
      visits: returns ? [visit(language), visit(language)] : [visit(language)],
    };
  });
}

async function cli(env: NodeJS.ProcessEnv, args: string[], input?: string): Promise<string> {
  if (input === undefined)
    return (await run(process.execPath, ['bin/switchboard.js', ...args], { env })).stdout;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/switchboard.js', ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`switchboard ${args.join(' ')}: ${err}`)),
    );
    child.stdin.end(input);
  });
}

/**
 * Seconds (of this sample) a waiting ticket had an available agent with room — in its team when
 * it has one — and was not offered: only waits longer than one dispatch pass count, and not while
 * the bounded wait for a better fit holds it (a fitting agent is on duty but full).
 */
function heldNow(
  tickets: TicketSummary[],
  agents: AgentSummary[],
  teams: Array<{ key: string; skills: string[] }>,
  now: number,
): string[] {
  const held: string[] = [];
  const staff = agents.filter((a) => a.enrolled && a.status === 'available');
  for (const t of tickets) {
    if (t.status !== 'queued' || t.offeredTo || !t.queuedAt) continue;
    const waited = (now - Date.parse(t.queuedAt)) / 1000;
    if (waited < PASS_GRACE_SECONDS) continue;
    const team = teamFor(t.requiredSkills, teams);
    const inScope = staff.filter((a) => !team || a.teams.includes(team.key));
    const fits = (a: AgentSummary) =>
      t.requiredSkills.every((s) => skillsWithTeams(a.skills, a.teams, teams).includes(s)) &&
      (!t.language || a.languages.length === 0 || a.languages.includes(t.language));
    const free = inScope.filter((a) => a.activeTickets < a.capacity);
    if (free.length === 0) continue;
    const betterBusy = inScope.some((a) => a.activeTickets >= a.capacity && fits(a));
    const patience = t.priority === 'urgent' ? PATIENCE_SECONDS.urgent : PATIENCE_SECONDS.standard;
    if (!free.some(fits) && betterBusy && waited < patience) continue;
    held.push(t.id);
  }
  return held;
}

async function main(): Promise<void> {
  const began = Date.now();
  const random = seeded(flags.seed);
  const articles = readArticleFolder(SEED_ARTICLES_DIR).articles.filter(
    (a) => a.questions.length > 0,
  );
  const plan = planDay(random, articles);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-day-'));
  const logDir = mkdtempSync(join(tmpdir(), 'switchboard-day-logs-'));
  const servers = await DrillServers.start(dir, SUPPORT_PASSWORD);
  const inbox = new DayInbox();
  await inbox.start();
  const slack = await new FakeSlack().start();
  const processes: GatewayProcess[] = [];
  let slackAgents: SlackAgents | undefined;
  let consoleAgent: ConsoleAgent | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let cleaning: Promise<void> | undefined;
  // Once, from the end of the run or from Ctrl-C: nothing the drill started outlives it.
  const cleanUp = () =>
    (cleaning ??= (async () => {
      if (sampler) clearInterval(sampler);
      await slackAgents?.stop();
      await consoleAgent?.stop();
      for (const p of processes.reverse()) await p.stop();
      await slack.stop();
      await inbox.stop();
      await servers.stop();
      rmSync(dir, { recursive: true, force: true });
    })());
  const interrupted = () => {
    log('interrupted: stopping everything the drill started');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const port = await findFreePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MONGODB_URI: servers.mongoUrl,
      REDIS_URL: servers.redisUrl,
      MONGODB_DB: `day_${Date.now()}`,
      QUEUE_PREFIX: `day${Date.now()}`,
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      LOG_LEVEL: 'info',
      ADMIN_TOKEN,
      API_CALLBACK_ALLOW_PRIVATE: 'true',
      TWILIO_ACCOUNT_SID: TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO.authToken,
      TWILIO_FROM_NUMBER: TWILIO.number,
      SMS_PUBLIC_URL: baseUrl,
      TWILIO_API_BASE_URL: `http://127.0.0.1:${inbox.httpPort}`,
      EMAIL_IMAP_HOST: servers.dovecot.host,
      EMAIL_IMAP_PORT: String(servers.dovecot.imapPort),
      EMAIL_IMAP_TLS: 'none',
      EMAIL_IMAP_USER: 'support',
      EMAIL_IMAP_PASSWORD: SUPPORT_PASSWORD,
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_SMTP_PORT: String(inbox.smtpPort),
      EMAIL_SMTP_TLS: 'none',
      EMAIL_ADDRESS: 'support@shop.example',
      EMAIL_POLL_INTERVAL_MS: '2000',
      EMAIL_REPLY_RATE_PER_HOUR: '100',
      WEBCHAT_TOKEN_SECRET: 'day-webchat-token-secret-0123456789abcdef',
      WEBCHAT_STARTS_PER_IP: '1000000',
      WEBCHAT_MESSAGES_PER_IP: '1000000',
      SLACK_BOT_TOKEN: 'xoxb-day-token',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_AGENTS_CHANNEL: AGENTS_CHANNEL,
      SLACK_API_URL: slack.url,
      BOT_RESOLVE_QUIET_SECONDS: String(QUIET_SECONDS),
      TICKET_CLOSE_SECONDS: String(CLOSE_SECONDS),
      TICKET_SWEEP_SECONDS: '5',
      DISPATCH_TICK_SECONDS: String(TICK_SECONDS),
    };

    // ---- set up as an operator and a supervisor do ------------------------------------------
    const { apiKey } = await createIntegrationByCli(
      env,
      'shop',
      `http://127.0.0.1:${inbox.httpPort}/hook`,
    );
    for (const agent of AGENTS) {
      await cli(env, [
        'agent',
        'enrol',
        agent.id,
        '--name',
        agent.name,
        ...(agent.role ? ['--role', agent.role] : []),
      ]);
      await cli(env, [
        'agent',
        'set',
        agent.id,
        '--languages',
        agent.languages,
        '--capacity',
        String(agent.capacity),
      ]);
    }
    await cli(env, [
      'team',
      'set',
      'billing',
      '--name',
      'Billing',
      '--skills',
      'billing',
      '--channel',
      BILLING_CHANNEL,
    ]);
    await cli(env, ['agent', 'set', 'U0DAYBOB1', '--teams', 'billing']);
    await cli(env, ['agent', 'set', 'U0DAYSAM1', '--teams', 'billing']);
    await cli(
      env,
      ['admin', 'create', '--email', 'admin@shop.example', '--password-stdin'],
      'day-admin-password-0123\n',
    );
    log('set up through the CLI');

    processes.push(
      await startGatewayProcess({
        role: 'api',
        name: 'api',
        env,
        logFile: join(logDir, 'api.log'),
      }),
    );
    for (let i = 1; i <= flags.workers; i += 1)
      processes.push(
        await startGatewayProcess({
          role: 'worker',
          name: `worker${i}`,
          env,
          logFile: join(logDir, `worker${i}.log`),
        }),
      );
    log(
      `gateway up (api + ${flags.workers} worker) in ${Math.round((Date.now() - began) / 1000)} s`,
    );

    const supervisor = new AdminApi(baseUrl, { bearer: ADMIN_TOKEN });
    await supervisor.call('POST', '/accounts', {
      email: 'cora@shop.example',
      password: 'cora-console-password-01',
      displayName: 'Cora (console)',
      role: 'agent',
    });
    consoleAgent = new ConsoleAgent(
      await AdminApi.signIn(baseUrl, 'cora@shop.example', 'cora-console-password-01'),
      random,
    );

    slackAgents = new SlackAgents({
      slack,
      baseUrl,
      secret: SLACK_SECRET,
      agents: AGENTS,
      admin: supervisor,
      random,
      pace: 1,
    });
    await slackAgents.comeOnDuty();
    slackAgents.start();
    await consoleAgent.start();

    // ---- the day -----------------------------------------------------------------------------
    const dayStart = Date.now();
    let heldSeconds = 0;
    const heldTickets = new Set<string>();
    const offerSeenAt = new Map<string, number>();
    let sampling = false;
    sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      void (async () => {
        const [tickets, agents, teams] = await Promise.all([
          supervisor.tickets({ status: 'queued' }),
          supervisor.agents(),
          supervisor.teams(),
        ]);
        // Offers to the console agent are no Slack DMs: seen here, within one sample.
        for (const t of tickets)
          if (t.offeredTo && !offerSeenAt.has(t.id)) offerSeenAt.set(t.id, Date.now());
        for (const id of heldNow(tickets, agents, teams, Date.now())) {
          heldSeconds += 2;
          heldTickets.add(id);
        }
      })()
        .catch((error: unknown) => log(`sampler: ${String(error)}`))
        .finally(() => (sampling = false));
    }, 2000);

    const counts = { acknowledged: 0, refused: 0 };
    const ends: ChannelEndpoints = {
      baseUrl,
      apiKey,
      inbox,
      twilio: TWILIO,
      lmtp: {
        host: servers.dovecot.host,
        port: servers.dovecot.lmtpPort,
        supportAddress: 'support@shop.example',
      },
      counts,
    };
    /** Each customer's conversation and how many of their visits a person handled. */
    const conversations = new Map<Conversation, number>();
    const outcomes: VisitOutcome[] = [];
    const timing = {
      botSeconds: 120,
      agentSeconds: flags.minutes * 60,
      quietSeconds: QUIET_SECONDS,
    };
    const customer = async (c: PlannedCustomer): Promise<void> => {
      await sleep(c.startSeconds * 1000);
      const email = `customer${c.n}@customers.example`;
      let conversation: Conversation | undefined;
      // One inbox per customer (a returning API customer keeps their id): counted once.
      let first: Conversation | undefined;
      for (const [i, v] of c.visits.entries()) {
        if (i > 0) await sleep((CLOSE_SECONDS + 25) * 1000); // back after the ticket closed
        if (c.channel === 'api')
          conversation = apiConversation(
            ends,
            {
              id: `cust-${c.n}`,
              name: `Customer ${c.n}`,
              email,
              ...(c.tier ? { tier: c.tier } : {}),
            },
            i,
          );
        else if (c.channel === 'sms')
          conversation ??= smsConversation(ends, `+1555010${String(c.n).padStart(4, '0')}`);
        else if (c.channel === 'email')
          conversation ??= emailConversation(
            ends,
            { address: email, name: `Customer ${c.n}` },
            `Question from customer ${c.n}`,
          );
        else conversation = await webchatConversation(ends);
        first ??= conversation;
        conversations.set(first, conversations.get(first) ?? 0);
        const outcome = await playVisit(conversation, v, timing);
        outcomes.push(outcome);
        if (outcome.agentAnswered) {
          conversations.set(first, (conversations.get(first) ?? 0) + 1);
        }
        if (outcome.unfinished)
          log(
            `customer ${c.n} (${c.channel}, ${v.persona}, ${v.language}) ${outcome.unfinished}: asked ${JSON.stringify(v.question)}, got ${JSON.stringify((await conversation.answers()).slice(-4))}`,
          );
      }
      if (conversation && 'close' in conversation) (conversation as { close(): void }).close();
    };
    // Mid-day, a supervisor adds a language and room to agents from the console's API.
    const midday = (async () => {
      await sleep(flags.minutes * 60 * 0.4 * 1000);
      const agents = await supervisor.agents();
      const mei = agents.find((a) => a.identity === 'slack:U0DAYMEI1');
      const ada = agents.find((a) => a.identity === 'slack:U0DAYADA1');
      if (mei)
        await supervisor.call('PATCH', `/agents/${mei.id}`, {
          languages: ['zh', 'en'],
          capacity: 2,
        });
      if (ada) await supervisor.call('PATCH', `/agents/${ada.id}`, { capacity: 3 });
      log('supervisor: mei now speaks zh,en (capacity 2), ada capacity 3');
    })();
    await Promise.all([...plan.map(customer), midday]);
    log('every customer is done; letting the day settle');

    // ---- settle and measure ------------------------------------------------------------------
    await supervisor
      .until(async () => {
        const open = [
          ...(await supervisor.tickets({ status: 'bot' })),
          ...(await supervisor.tickets({ status: 'queued' })),
          ...(await supervisor.tickets({ status: 'assigned' })),
        ];
        return open.length === 0 ? true : undefined;
      }, 120_000)
      .catch(() => log('some tickets were still open when measured'));
    clearInterval(sampler);
    sampler = undefined;
    await slackAgents.stop();
    await consoleAgent.stop();
    const to = new Date(Date.now() + 60_000).toISOString();
    const dashboard = await supervisor.call<{
      selfService: { finished: number; withoutAgent: number; rate: number | null };
      sla: { breached: number };
    }>('GET', `/dashboard?from=${new Date(dayStart - 60_000).toISOString()}&to=${to}`);
    const all = await supervisor.tickets({});
    let notesStored = 0;
    let refusedNotes = 0;
    for (const t of all) {
      const detail = await supervisor.ticket(t.id);
      notesStored += detail.notes.length;
      refusedNotes += detail.notes.filter((n) => n.notSentBecause).length;
    }
    const offeredAt = (id: string) =>
      slackAgents!.stats.firstOfferAt.get(id) ?? offerSeenAt.get(id);
    const offerSeconds = all
      .filter((t) => t.queuedAt && offeredAt(t.id) !== undefined)
      .map((t) => (offeredAt(t.id)! - Date.parse(t.queuedAt!)) / 1000)
      .sort((a, b) => a - b);
    let csatAsked = 0;
    for (const [c, handedOver] of conversations) {
      const got = await ratingQuestions(c);
      csatAsked += got;
      if (got !== handedOver)
        log(`a ${c.channel} customer got ${got} rating questions after ${handedOver} hand-overs`);
    }
    // Reconciled from the store: every acknowledged customer message is there exactly once.
    const pool = await TicketPool.connect(servers.mongoUrl, { dbName: env['MONGODB_DB']! });
    const stored = await pool.models.Message.countDocuments({
      direction: 'in',
      authorKind: 'customer',
    });
    // Each rating question, by ticket: a ticket asked twice, or asked without a person, is a finding.
    const asked = await pool.models.Message.find(
      { _id: /^sb\.csat\.[0-9a-f]+\.\d+$/ },
      { ticketId: 1 },
    ).lean();
    const askedPerTicket = new Map<string, number>();
    for (const m of asked)
      askedPerTicket.set(String(m.ticketId), (askedPerTicket.get(String(m.ticketId)) ?? 0) + 1);
    for (const [ticketId, times] of askedPerTicket) {
      const t = await pool.getTicket(ticketId);
      if (times > 1 || !t?.queuedAt)
        log(
          `rating asked ${times}x on ticket ${ticketId} (${t?.channel}): ${JSON.stringify(t?.statusHistory.map((h) => `${h.to}:${h.by}:${h.reason ?? ''}`))}`,
        );
    }
    await pool.close();
    const finished = outcomes.filter((o) => !o.unfinished);
    const result = {
      customers: plan.length,
      visits: outcomes.length,
      unfinishedVisits: outcomes.length - finished.length,
      unfinishedReasons: [
        ...new Set(outcomes.flatMap((o) => (o.unfinished ? [o.unfinished] : []))),
      ],
      tickets: all.length,
      escalated: all.filter((t) => t.queuedAt).length,
      heldWhileAgentFree: heldSeconds,
      ticketsHeld: heldTickets.size,
      offered: offerSeconds.length,
      medianOfferSeconds: Number(percentile(offerSeconds, 50).toFixed(1)),
      p90OfferSeconds: Number(percentile(offerSeconds, 90).toFixed(1)),
      takenFromConsole: consoleAgent.taken,
      botResolved: dashboard.selfService.withoutAgent,
      dashboardSelfServiceRate:
        dashboard.selfService.rate === null ? null : Number(dashboard.selfService.rate.toFixed(4)),
      trueSelfServiceRate:
        finished.length === 0
          ? null
          : Number((finished.filter((o) => o.selfServed).length / finished.length).toFixed(4)),
      slaBreaches: dashboard.sla.breached,
      notesStored,
      notesWritten: slackAgents.stats.notesWritten + consoleAgent.notes,
      repliesRefused: refusedNotes,
      repliesRefusedTold: slackAgents.stats.refusalsTold,
      repliesRefusedTried: slackAgents.stats.repliesTried,
      csatAsked,
      csatExpected: slackAgents.stats.resolvedByPerson + consoleAgent.resolved,
      acknowledged: counts.acknowledged,
      refusedByChannels: counts.refused,
      stored,
      lost: Math.max(0, counts.acknowledged - stored),
      duplicates: Math.max(0, stored - counts.acknowledged) + inbox.duplicates,
      seconds: Math.round((Date.now() - began) / 1000),
    };
    rmSync(logDir, { recursive: true, force: true });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
