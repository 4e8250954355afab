/**
 * `npm run bench:chaos -- [--messages 10000] [--rate 16] [--workers 2] [--drainSeconds 900]`
 *
 * The fault drill. The gateway runs as an operator runs it — one api process and `--workers`
 * worker processes on local Redis (persistent), FerretDB and Dovecot — with the API, SMS, email
 * and web chat (Direct Line) channels on. Customers write at a steady mixed rate through all of them while the drill, at
 * fixed points of the run: makes the answer receivers fail for a while, SIGKILLs a worker (twice),
 * restarts Redis, drops the IMAP connection and restarts the MongoDB-compatible server. Then it
 * waits for the pipeline to settle and reconciles from the stores. Last line: one JSON object
 * `{acknowledged, stored, answered, escalated, delivered, duplicates, lost, faults, …}`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../src/local/free-port.ts';
import { intFlags } from './args.ts';
import {
  apiCustomer,
  emailCustomer,
  newAcknowledgements,
  smsCustomer,
  webchatCustomer,
  type Customer,
} from './chaos/customers.ts';
import { Receivers } from './chaos/receivers.ts';
import { reconcile, type Verdict } from './chaos/reconcile.ts';
import { DrillServers } from './chaos/servers.ts';
import {
  createIntegrationByCli,
  startGatewayProcess,
  type GatewayProcess,
  type UnexpectedExit,
} from './gateway-processes.ts';

const NOT_INJECTED = 'not injected';
const flags = intFlags({ messages: 10_000, rate: 16, workers: 2, drainSeconds: 900 });

const SUPPORT_PASSWORD = 'drill-support-password';
const TWILIO = {
  accountSid: `AC${'c'.repeat(32)}`,
  authToken: 'drill-twilio-auth-token-0123456789',
  number: '+14155550100',
};

interface Fault {
  kind: string;
  atSeconds: number;
  detail?: string;
}

function log(line: string): void {
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-chaos-'));
  const servers = await DrillServers.start(dir, SUPPORT_PASSWORD);
  const receivers = new Receivers();
  await receivers.start();
  const processes = new Map<string, GatewayProcess>();
  const acks = newAcknowledgements();
  const faults: Fault[] = [];
  const crashes: Array<UnexpectedExit & { atSeconds: number }> = [];
  let stopping = false;
  let began = performance.now();
  const at = () => Number(((performance.now() - began) / 1000).toFixed(1));
  // The processes' logs; kept (and named at the end) when the drill finds something wrong.
  const logDir = mkdtempSync(join(tmpdir(), 'switchboard-chaos-logs-'));
  let keepLogs = true;
  let emailDriver: ReturnType<typeof emailCustomer> | undefined;
  try {
    const port = await findFreePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const dbName = `chaos_${Date.now()}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MONGODB_URI: servers.mongoUrl,
      REDIS_URL: servers.redisUrl,
      MONGODB_DB: dbName,
      QUEUE_PREFIX: `chaos${Date.now()}`,
      PORT: String(port),
      LOG_LEVEL: 'info',
      OUTBOUND_BACKOFF_MS: '1000',
      API_CALLBACK_ALLOW_PRIVATE: 'true',
      OUTBOUND_ATTEMPTS: '12',
      TWILIO_ACCOUNT_SID: TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO.authToken,
      TWILIO_FROM_NUMBER: TWILIO.number,
      SMS_PUBLIC_URL: baseUrl,
      TWILIO_API_BASE_URL: `http://127.0.0.1:${receivers.httpPort}`,
      EMAIL_IMAP_HOST: servers.dovecot.host,
      EMAIL_IMAP_PORT: String(servers.dovecot.imapPort),
      EMAIL_IMAP_TLS: 'none',
      EMAIL_IMAP_USER: 'support',
      EMAIL_IMAP_PASSWORD: SUPPORT_PASSWORD,
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_SMTP_PORT: String(receivers.smtpPort),
      EMAIL_SMTP_TLS: 'none',
      EMAIL_ADDRESS: 'support@shop.example',
      EMAIL_POLL_INTERVAL_MS: '5000',
      EMAIL_RECONNECT_MAX_MS: '2000',
      EMAIL_REPLY_RATE_PER_HOUR: '100',
      WEBCHAT_TOKEN_SECRET: 'drill-webchat-token-secret-0123456789abcdef',
      // Every drill visitor comes from 127.0.0.1: per-IP limits would throttle the drill itself.
      WEBCHAT_STARTS_PER_IP: '1000000',
      WEBCHAT_MESSAGES_PER_IP: '1000000',
    };
    const { apiKey } = await createIntegrationByCli(
      env,
      'chaos',
      `http://127.0.0.1:${receivers.httpPort}/hook`,
    );
    // A process that dies by itself is a finding: it is reported in the result and started
    // again, as a supervisor (systemd, Kubernetes) would in production.
    const restarts: Promise<void>[] = [];
    const start = async (role: 'api' | 'worker', name: string): Promise<void> => {
      processes.set(
        name,
        await startGatewayProcess({
          role,
          name,
          env,
          logFile: join(logDir, `${name}.log`),
          onUnexpectedExit: ({ code, signal }) => {
            if (stopping) return;
            crashes.push({ name, code, signal, atSeconds: at() });
            log(`${name} CRASHED (${code ?? signal}); starting it again`);
            restarts.push(start(role, name));
          },
        }),
      );
      log(`${name} ready`);
    };
    await start('api', 'api');
    for (let i = 1; i <= flags.workers; i += 1) await start('worker', `worker${i}`);

    const plannedSeconds = flags.messages / flags.rate;
    const deadline = Date.now() + (plannedSeconds + flags.drainSeconds) * 1000;
    emailDriver = emailCustomer({
      host: servers.dovecot.host,
      lmtpPort: servers.dovecot.lmtpPort,
      supportAddress: 'support@shop.example',
      acks,
      deadline,
    });
    const customers: Record<string, Customer> = {
      api: apiCustomer({ baseUrl, apiKey, acks, deadline }),
      sms: smsCustomer({
        baseUrl,
        publicUrl: baseUrl,
        accountSid: TWILIO.accountSid,
        authToken: TWILIO.authToken,
        to: TWILIO.number,
        acks,
        deadline,
      }),
      email: emailDriver,
      webchat: webchatCustomer({ baseUrl, acks, deadline }),
    };
    began = performance.now();
    // The mix, per 20 messages: 8 API, 5 SMS, 3 email, 4 web chat.
    const mix = [
      ...Array<string>(8).fill('api'),
      ...Array<string>(5).fill('sms'),
      ...Array<string>(3).fill('email'),
      ...Array<string>(4).fill('webchat'),
    ];

    // A fault that could not be injected is reported apart and not counted in `faults`.
    const skippedFaults: Array<{ kind: string; atSeconds: number; detail: string }> = [];
    const inject = async (kind: string, action: () => Promise<string | undefined>) => {
      const atSeconds = at();
      log(`fault: ${kind}`);
      const detail = await action();
      if (detail?.startsWith(NOT_INJECTED)) skippedFaults.push({ kind, atSeconds, detail });
      else faults.push({ kind, atSeconds, ...(detail ? { detail } : {}) });
    };
    // A killed worker is started again in the background: the schedule goes on meanwhile.
    const killWorker = (name: string) => async () => {
      await processes.get(name)?.kill();
      await sleep(3000);
      restarts.push(start('worker', name));
      return 'SIGKILL; started again after 3 s';
    };
    const schedule: Array<[number, string, () => Promise<string | undefined>]> = [
      [
        0.1,
        'receivers-fail-30s',
        async () => {
          receivers.failing = true;
          await sleep(30_000);
          receivers.failing = false;
          return 'webhook, Twilio and SMTP answered 503/451 for 30 s';
        },
      ],
      [0.2, 'sigkill-worker1', killWorker('worker1')],
      [
        0.35,
        'restart-redis',
        async () => {
          await servers.restartRedis(5000);
          return 'down 5 s';
        },
      ],
      [
        0.5,
        'drop-imap',
        async () => {
          // doveadm exits 68 when the user has no connection to drop at that moment (the poller
          // is between connections, or its lease is changing hands): try again for up to a minute.
          let last = '';
          for (let attempt = 1; attempt <= 30; attempt += 1) {
            try {
              servers.dovecot.kick('support');
              return `doveadm kick (attempt ${attempt})`;
            } catch (error) {
              last = (error as Error).message.split('\n')[0] ?? '';
              await sleep(2000);
            }
          }
          return `${NOT_INJECTED}: doveadm kick never found a connection (${last})`;
        },
      ],
      [
        0.6,
        'restart-mongodb',
        async () => {
          await servers.restartMongo(5000);
          return 'down 5 s';
        },
      ],
      [
        0.75,
        `sigkill-${flags.workers > 1 ? 'worker2' : 'worker1'}`,
        killWorker(flags.workers > 1 ? 'worker2' : 'worker1'),
      ],
    ];
    const faultRun = (async () => {
      for (const [fraction, kind, action] of schedule) {
        const wait = fraction * plannedSeconds * 1000 - (performance.now() - began);
        if (wait > 0) await sleep(wait);
        await inject(kind, action);
      }
    })();

    const inFlight = new Set<Promise<void>>();
    for (let n = 0; n < flags.messages; n += 1) {
      const due = began + (n / flags.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const channel = mix[n % mix.length] ?? 'api';
      const sending = (customers[channel] as Customer).send(n);
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
      if (n % 1000 === 0) log(`sent ${n}, acknowledged ${acks.acknowledged.size}`);
    }
    await Promise.all(inFlight);
    await faultRun;
    await Promise.all(restarts);
    log(`all sent in ${at()} s; acknowledged ${acks.acknowledged.size}, retried ${acks.retried}`);

    // Settle: every acknowledged message stored and handled, every answer delivered.
    let verdict: Verdict;
    const settleBy = Date.now() + flags.drainSeconds * 1000;
    for (;;) {
      verdict = await reconcile({ mongoUrl: servers.mongoUrl, dbName, acks, receivers });
      log(
        `stored ${verdict.stored}/${verdict.acknowledged}, unhandled ${verdict.unhandled}, undelivered ${verdict.undelivered}`,
      );
      const settled = verdict.lost === 0 && verdict.unhandled === 0 && verdict.undelivered === 0;
      if (settled || Date.now() > settleBy) break;
      await sleep(10_000);
    }
    const result = {
      acknowledged: verdict.acknowledged,
      stored: verdict.stored,
      answered: verdict.answered,
      escalated: verdict.escalated,
      delivered: verdict.delivered,
      duplicates: verdict.duplicates,
      lost: verdict.lost,
      faults: faults.length,
      faultLog: faults,
      faultsNotInjected: skippedFaults,
      crashes,
      refusedByChannels: acks.refused.size,
      refusedSample: [...acks.refused].slice(0, 3),
      retriedByCustomers: acks.retried,
      unhandled: verdict.unhandled,
      undelivered: verdict.undelivered,
      duplicatesByKind: verdict.duplicatesByKind,
      redeliveredSameKey: verdict.redeliveredSameKey,
      receiverRefusals: {
        api: receivers.api.refused,
        sms: receivers.sms.refused,
        email: receivers.email.refused,
      },
      seconds: at(),
    };
    keepLogs =
      result.lost > 0 ||
      result.duplicates > 0 ||
      result.unhandled + result.undelivered > 0 ||
      crashes.length > 0;
    if (keepLogs) log(`process logs kept in ${logDir}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    stopping = true;
    emailDriver?.close();
    await Promise.all([...processes.values()].map((p) => p.stop()));
    await receivers.stop();
    await servers.stop();
    rmSync(dir, { recursive: true, force: true });
    if (!keepLogs) rmSync(logDir, { recursive: true, force: true });
  }
}

await main();
