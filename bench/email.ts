/**
 * `npm run bench:email -- [--count 300] [--senders 8] [--repeat 3]`
 *
 * Email in, end to end, against a real Dovecot: starts throwaway Redis, FerretDB and Dovecot,
 * runs the gateway (all roles, the email channel watching the support mailbox with IDLE, a
 * responder that escalates everything so no reply is sent) and delivers N customer mails over LMTP
 * from `--senders` concurrent connections. Measured: mails per second from the first delivery to
 * the last message stored in MongoDB, and per mail the delay from its delivery to its stored
 * message. Reconciled from the store: every delivered Message-ID stored exactly once, one ticket
 * each, every mail flagged processed on the server.
 *
 * Side by side, in the same run and on the same servers, the baselines that show where the time
 * goes: (1) LMTP delivery alone (the rate the mails were offered at); then, on a second mailbox
 * holding the same N mails, (2) raw imapflow fetch plus our parse (mailparser, sanitizing), no
 * store, no queue, (3) the channel's poller with its email store but a sink that only counts (no
 * BullMQ, no ticket pool), (4) the same with an in-memory email store, which leaves the poller's
 * IMAP round trips per mail and the parse. (2)–(4) run `--repeat` times, interleaved, and report
 * their best time (the machine is shared). Store operations per mail of (1) are counted with the
 * driver's command monitoring (store-ops.ts), the bench's own polling read taken off. Last line:
 * one JSON object.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { createEmailChannel } from '../channels/email/adapter.ts';
import { parseEmail } from '../channels/email/parse.ts';
import { createGateway } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { InboundMessageInput } from '../src/domain/message.ts';
import type { InboundSink } from '../src/domain/ports.ts';
import type { EmailStore } from '../channels/email/ports.ts';
import { startLocalDovecot } from '../src/local/dovecot.ts';
import { startThrowawayServices } from '../src/local/throwaway-services.ts';
import { Metrics } from '../src/metrics.ts';
import { EscalateAllResponder } from '../src/pipeline/escalate-all-responder.ts';
import { PoolEmailStore } from '../channels/email/store.ts';
import { channelStoreDeps } from '../test/support/channel-stores.ts';
import { redisDocumentLocks } from '../src/pool/locks.ts';
import { TicketPool } from '../src/pool/pool.ts';
import { withInbox as withInboxAs } from '../test/channels/email/mail-helpers.ts';
import { intFlags, percentile } from './args.ts';
import { StoreOpCounter, monitoredUri } from './store-ops.ts';

/** The mail shapes of test/fixtures/mail (issue 22), each parsed once: counts and the slowest. */
async function parseFixtures(): Promise<{
  fixtures: number;
  fixturesAutomated: number;
  fixtureSlowestMs: number;
}> {
  const dir = new URL('../test/fixtures/mail/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  let automated = 0;
  let slowest = 0;
  for (const file of files) {
    const source = readFileSync(new URL(file, dir));
    const started = performance.now();
    const mail = await parseEmail(source);
    slowest = Math.max(slowest, performance.now() - started);
    if (mail.loop) automated += 1;
  }
  return {
    fixtures: files.length,
    fixturesAutomated: automated,
    fixtureSlowestMs: Number(slowest.toFixed(1)),
  };
}

const flags = intFlags({ count: 300, senders: 8, repeat: 3 });
const PASSWORD = 'bench-pw';

/** Works on a bench user's INBOX over IMAP, as the tests do. */
function withInbox<T>(
  dovecot: { host: string; imapPort: number },
  user: string,
  work: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  return withInboxAs(dovecot, user, work, PASSWORD);
}
const SUPPORT = 'support@bench.test';
const POLLBOX = 'pollbox@bench.test';

/** The email store in a few maps: the poller's own cost without a database. */
function memoryStore(): EmailStore {
  const ids = new Map<string, { threadKey: string; direction: 'in' | 'out' }>();
  const key = (mailboxId: string, id: string) => `${mailboxId}/${id}`;
  return {
    threadOfMessageIds: (mailboxId, messageIds) =>
      Promise.resolve(messageIds.map((id) => ids.get(key(mailboxId, id))?.threadKey).find(Boolean)),
    threadOfTicketNumber: () => Promise.resolve(undefined),
    rememberMessageId: (input) => {
      const k = key(input.mailboxId, input.messageId);
      if (!ids.has(k)) ids.set(k, { threadKey: input.threadKey, direction: input.direction });
      return Promise.resolve();
    },
    isOwnMessageId: (mailboxId, messageId) =>
      Promise.resolve(ids.get(key(mailboxId, messageId))?.direction === 'out'),
    threadContext: () =>
      Promise.resolve({
        ticketNumber: undefined,
        subject: undefined,
        messageIds: [],
        lastInboundId: undefined,
      }),
    recordRejection: () => Promise.resolve(),
    markUndeliverable: () => Promise.resolve(),
    saveAttachments: () => Promise.resolve([]),
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Mail i: a new conversation (own Message-ID, no In-Reply-To) from one of 50 customers. */
function mail(i: number, run: string): { messageId: string; raw: string } {
  const messageId = `bench-${run}-${i}@customers.bench.test`;
  const from = `customer${i % 50}@customers.bench.test`;
  const headers = [
    `From: Customer ${i % 50} <${from}>`,
    `To: ${SUPPORT}`,
    `Subject: Order ${i} has not arrived`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  const body = `Hello,\r\n\r\nmy order ${i} has not arrived yet. Can you check?\r\n\r\n-- \r\nCustomer ${i % 50}\r\n`;
  return { messageId, raw: `${headers.join('\r\n')}\r\n\r\n${body}` };
}

async function main(): Promise<void> {
  const run = `${Date.now()}`;
  const mails = Array.from({ length: flags.count }, (_, i) => mail(i, run));
  const services = await startThrowawayServices({
    name: 'bench-email',
    mongoUrl: process.env['MONGODB_URI'],
    redisUrl: process.env['REDIS_URL'],
  });
  const dovecot = await startLocalDovecot({
    users: ['support', 'pollbox'].map((name) => ({ name, password: PASSWORD })),
  });
  const lmtp = nodemailer.createTransport({
    host: dovecot.host,
    port: dovecot.lmtpPort,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
  });
  const imapEnv = (user: string, address: string): NodeJS.ProcessEnv => ({
    EMAIL_IMAP_HOST: dovecot.host,
    EMAIL_IMAP_PORT: String(dovecot.imapPort),
    EMAIL_IMAP_TLS: 'none',
    EMAIL_IMAP_USER: user,
    EMAIL_IMAP_PASSWORD: PASSWORD,
    EMAIL_SMTP_HOST: dovecot.host,
    EMAIL_SMTP_PORT: String(dovecot.lmtpPort),
    EMAIL_SMTP_TLS: 'none',
    EMAIL_SMTP_PROTOCOL: 'lmtp',
    EMAIL_ADDRESS: address,
    EMAIL_IDLE_DELAY_MS: '200',
  });
  /** Delivers every mail to `to` from `senders` parallel LMTP clients; the ack time per mail. */
  const deliverAll = async (to: string): Promise<Map<string, number>> => {
    const acked = new Map<string, number>();
    let next = 0;
    const sender = async () => {
      while (next < mails.length) {
        const m = mails[next++]!;
        await lmtp.sendMail({
          envelope: { from: 'customer@customers.bench.test', to },
          raw: m.raw,
        });
        acked.set(m.messageId, Date.now());
      }
    };
    await Promise.all(Array.from({ length: flags.senders }, sender));
    return acked;
  };

  try {
    // 1. The gateway: IMAP → poller → BullMQ → ingest → MongoDB, mail delivered while it runs.
    const config = loadConfig({
      ...process.env,
      MONGODB_URI: services.mongoUrl,
      REDIS_URL: services.redisUrl,
      MONGODB_DB: `bench_email_${run}`,
      QUEUE_PREFIX: `benchmail${run}`,
      LOG_LEVEL: 'silent',
      KB_SEED_ON_START: 'false',
      // Each mail is a new conversation on a ticket of its own, as the reconciliation counts; with
      // joining on (issue 19), a sender's mails would continue one ticket instead.
      CONVERSATION_JOIN_SECONDS: '0',
    });
    const gateway = await createGateway({
      config,
      role: 'all',
      // Every store command is counted (bench/store-ops.ts); the gateway's code is unchanged.
      mongoUri: monitoredUri(services.mongoUrl),
      redisUrl: services.redisUrl,
      responder: new EscalateAllResponder(),
      metrics: new Metrics({ collectDefaults: false }),
      env: imapEnv('support', SUPPORT),
    });
    const ops = new StoreOpCounter(gateway.pool.models.Ticket.db.getClient());
    const opsBefore = ops.snapshot();
    const started = Date.now();
    const deliveredAt = await deliverAll(SUPPORT);
    const deliverySeconds = (Date.now() - started) / 1000;
    log(`LMTP: ${flags.count} mails delivered in ${deliverySeconds.toFixed(1)} s`);
    const Message = gateway.pool.models.Message;
    const inbound = { channel: 'email' as const, direction: 'in' as const };
    const deadline = Date.now() + 30 * 60_000;
    let stored = 0;
    // The bench's own count, one read per poll, is taken off the store operations below.
    let polls = 0;
    while (stored < flags.count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      stored = await Message.countDocuments(inbound);
      polls += 1;
    }
    const counted = ops.since(opsBefore);
    const storeOpsPerMail = Number(((counted.total - polls) / flags.count).toFixed(2));
    const storeOpsByKind = Object.fromEntries(
      Object.entries(counted.byKind).map(([kind, n]) => [
        kind,
        Number(((kind === 'reads' ? n - polls : n) / flags.count).toFixed(2)),
      ]),
    );
    const docs = (await Message.find(inbound)
      .select({ channelMessageId: 1, ticketId: 1, createdAt: 1 })
      .lean()) as Array<{ channelMessageId: string; ticketId: unknown; createdAt: Date }>;
    const lastStored = Math.max(...docs.map((d) => d.createdAt.getTime()));
    const pipelineSeconds = (lastStored - started) / 1000;
    const latencies = docs
      .map((d) => d.createdAt.getTime() - (deliveredAt.get(d.channelMessageId) ?? Number.NaN))
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b);

    // Reconciliation: exactly the delivered Message-IDs, each once, each on its own ticket, and
    // every mail flagged processed on the server.
    const ids = docs.map((d) => d.channelMessageId);
    const unique = new Set(ids);
    const missing = mails.filter((m) => !unique.has(m.messageId)).length;
    const tickets = new Set(docs.map((d) => String(d.ticketId))).size;
    const flagged = await countFlagged(dovecot, 'support');
    const rejections = await gateway.pool.models.Ticket.db
      .collection('email_rejections')
      .countDocuments();
    const reconciled =
      docs.length === flags.count &&
      unique.size === flags.count &&
      missing === 0 &&
      tickets === flags.count &&
      flagged === flags.count &&
      rejections === 0;
    log(
      `pipeline: ${docs.length} stored (${unique.size} distinct, ${missing} missing), ${tickets} tickets, ` +
        `${flagged} flagged processed, ${rejections} rejected: ${reconciled ? 'reconciled' : 'MISMATCH'}`,
    );
    await gateway.queues.inbound.obliterate({ force: true });
    await gateway.queues.outbound.obliterate({ force: true });
    await gateway.pool.models.Ticket.db.dropDatabase();
    await gateway.stop();

    // 2–4. The baselines, each --repeat times, interleaved so a burst of load on the shared
    // machine hits all of them alike; the best time of each is reported.
    await deliverAll(POLLBOX);
    const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 1 });
    /** Seconds the poller takes to drain the pollbox INBOX (the N mails) into a counting sink. */
    const drain = async (emailStore: EmailStore) => {
      // Every mail unprocessed again, so each repeat does the same work.
      await withInbox(dovecot, 'pollbox', (client) =>
        client.messageFlagsRemove('1:*', ['\\Seen', '$SwitchboardProcessed']),
      );
      let counted = 0;
      const seen = new Set<string>();
      const countingSink: InboundSink = {
        accept(message: InboundMessageInput) {
          counted += 1;
          seen.add(message.channelMessageId);
          return Promise.resolve({ jobId: message.channelMessageId, duplicate: false });
        },
      };
      const channel = createEmailChannel({
        sink: countingSink,
        store: emailStore,
        redis,
        keyPrefix: `benchpoll${run}`,
        env: imapEnv('pollbox', POLLBOX),
      });
      if (!channel) throw new Error('the email channel did not configure');
      const pollStarted = performance.now();
      // scanned() resolves after the first scan, which takes every mail already in the mailbox.
      await channel.start();
      await channel.scanned();
      const seconds = (performance.now() - pollStarted) / 1000;
      await channel.stop();
      if (counted !== flags.count || seen.size !== flags.count) {
        throw new Error(`poller handed on ${counted} (${seen.size} distinct) of ${flags.count}`);
      }
      return seconds;
    };
    const times = { raw: [] as number[], store: [] as number[], memory: [] as number[] };
    for (let r = 0; r < flags.repeat; r += 1) {
      // 2. Raw imapflow fetch + our parse of the same N mails.
      const rawStarted = performance.now();
      const parsed = await fetchAndParse(dovecot, 'pollbox');
      times.raw.push((performance.now() - rawStarted) / 1000);
      if (parsed !== flags.count) throw new Error(`raw fetch parsed ${parsed} of ${flags.count}`);

      // 3. The poller with its email store on a fresh database of its own, a counting sink
      // (no BullMQ, no ticket pool).
      const pool = await TicketPool.connect(services.mongoUrl, {
        dbName: `bench_poller_${run}_${r}`,
      });
      const store = await PoolEmailStore.create({
        ...channelStoreDeps(pool),
        locks: redisDocumentLocks(redis, { prefix: `benchpoll${run}` }),
      });
      times.store.push(await drain(store));
      await pool.models.Ticket.db.dropDatabase();
      await pool.close();

      // 4. The poller with an in-memory store: IMAP round trips per mail, parse, flagging.
      times.memory.push(await drain(memoryStore()));
      log(
        `baselines, try ${r + 1}: raw fetch + parse ${times.raw[r]!.toFixed(2)} s, ` +
          `poller + email store ${times.store[r]!.toFixed(2)} s, ` +
          `poller + in-memory store ${times.memory[r]!.toFixed(2)} s (${flags.count} mails)`,
      );
    }
    redis.disconnect();
    const rawSeconds = Math.min(...times.raw);
    const pollSeconds = Math.min(...times.store);
    const memorySeconds = Math.min(...times.memory);

    const fixtures = await parseFixtures();
    log(
      `fixtures: ${fixtures.fixtures} real-world shapes parsed, ${fixtures.fixturesAutomated} read as automated, slowest ${fixtures.fixtureSlowestMs} ms`,
    );

    const mailsPerSecond = flags.count / pipelineSeconds;
    const result = {
      mails: flags.count,
      mailsPerSecond: Number(mailsPerSecond.toFixed(1)),
      p50Ms: Number(percentile(latencies, 50).toFixed(0)),
      p99Ms: Number(percentile(latencies, 99).toFixed(0)),
      lmtpDeliveryPerSecond: Number((flags.count / deliverySeconds).toFixed(1)),
      rawFetchParsePerSecond: Number((flags.count / rawSeconds).toFixed(1)),
      pollerOnlyPerSecond: Number((flags.count / pollSeconds).toFixed(1)),
      pollerMemoryStorePerSecond: Number((flags.count / memorySeconds).toFixed(1)),
      reconciled,
      storeOpsPerMail,
      storeOpsByKind,
      ...fixtures,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!reconciled) process.exitCode = 1;
  } finally {
    lmtp.close();
    await dovecot.stop();
    await services.stop();
  }
}

/** Mails of the user's INBOX carrying the processed keyword. */
function countFlagged(dovecot: { host: string; imapPort: number }, user: string): Promise<number> {
  return withInbox(dovecot, user, async (client) => {
    const found = await client.search({ keyword: '$SwitchboardProcessed' }, { uid: true });
    return (found || []).length;
  });
}

/** One FETCH of every source in the INBOX, each parsed as the poller parses it. */
function fetchAndParse(dovecot: { host: string; imapPort: number }, user: string): Promise<number> {
  return withInbox(dovecot, user, async (client) => {
    let parsed = 0;
    for await (const message of client.fetch('1:*', { uid: true, source: true })) {
      if (!message.source) continue;
      const mail = await parseEmail(message.source);
      if (mail.from) parsed += 1;
    }
    return parsed;
  });
}

await main();
