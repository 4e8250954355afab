import { createHash } from 'node:crypto';
import { ImapFlow, type FetchMessageObject, type ImapFlowOptions } from 'imapflow';
import type { Logger } from 'pino';
import { isSwitchboardError } from '../../src/domain/errors.ts';
import type { InboundSink } from '../../src/domain/ports.ts';
import { ourDomain, type EmailConfig } from './config.ts';
import { BATCH_BYTES, BATCH_MAILS, byteRuns, envelopeKey, fetchByUid } from './fetch-batch.ts';
import { DEFAULT_MAILBOX, scopedKey } from './keys.ts';
import { isEmptyMail, normalizeEmail } from './normalize.ts';
import { parseEmail, ticketTag, type ParsedAttachment, type ParsedEmail } from './parse.ts';
import type { AttachmentInput, EmailStore, RejectionReason } from './ports.ts';

/** Test hooks: throwing from one simulates the process dying at that point. */
export interface PollerHooks {
  /** The mail was downloaded, nothing handed on yet. */
  afterFetch?(uid: number): Promise<void> | void;
  /** The sink resolved (the mail is durable), the server flag is not set yet. */
  afterAccept?(uid: number): Promise<void> | void;
}

export interface EmailPollerDeps {
  config: EmailConfig;
  /** Which of our mailboxes this is (`default`: the EMAIL_* one); scopes every key. */
  mailboxId?: string | undefined;
  /**
   * Every address of ours (all mailboxes): mail from any of them, or with a Message-ID we made for
   * any of their domains, is our own (one mailbox's answer copied to another must not loop).
   */
  ownAddresses?: string[] | undefined;
  sink: InboundSink;
  store: EmailStore;
  logger?: Logger | undefined;
  hooks?: PollerHooks | undefined;
}

/** Tries per mail before it is set aside as a processing error. */
const MAX_ATTEMPTS = 5;

type Outcome = 'accepted' | 'duplicate' | RejectionReason;

/**
 * Watches one IMAP mailbox (imapflow: IDLE, or polling with NOOP/STATUS on servers without IDLE)
 * and hands every unprocessed mail to the InboundSink. A mail is marked processed on the server
 * (flag or move) only after the sink resolved or its rejection was stored, so a crash at any point
 * leaves it to be fetched again; the sink's job id (the Message-ID) makes that re-fetch a no-op.
 * Which mail is unprocessed is read from the server each scan (no local UID state), so a changed
 * UIDVALIDITY needs no recovery beyond the full re-scan it gets.
 */
export class EmailPoller {
  private stopped = false;
  private client: ImapFlow | undefined;
  private scanning: Promise<void> | undefined;
  private dirty = false;
  private uidValidity: bigint | undefined;
  /** Consecutive failures per UID of the current UIDVALIDITY. */
  private readonly failures = new Map<number, number>();
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  /** Mails handed on or rejected by this poller, by outcome (metrics, tests). */
  readonly counts = new Map<Outcome, number>();

  /** This poller's mailbox id. */
  readonly mailboxId: string;
  private readonly ownAddresses: Set<string>;
  private readonly ownDomains: Set<string>;

  constructor(private readonly deps: EmailPollerDeps) {
    this.mailboxId = deps.mailboxId ?? DEFAULT_MAILBOX;
    const addresses = [deps.config.EMAIL_ADDRESS, ...(deps.ownAddresses ?? [])].map((a) =>
      a.toLowerCase(),
    );
    this.ownAddresses = new Set(addresses);
    this.ownDomains = new Set(addresses.map((a) => ourDomain({ EMAIL_ADDRESS: a })));
  }

  /** A mail key scoped to this mailbox (keys.ts). */
  private scoped(key: string): string {
    return scopedKey(this.mailboxId, key);
  }

  /** Whether this poller holds an open IMAP connection now (tests, health). */
  get connected(): boolean {
    return this.client?.usable === true;
  }

  /** Connects and scans once; resolves when that first scan ended (or the first connect failed). */
  start(): Promise<void> {
    this.stopped = false;
    return new Promise<void>((resolve) => {
      this.running = this.run(resolve);
    });
  }

  /** Stops after the mail in hand; nothing half-done is flagged. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.scanning?.catch(() => undefined);
    const client = this.client;
    if (client?.usable) await client.logout().catch(() => client.close());
    else client?.close();
    await this.running;
  }

  private newClient(): ImapFlow {
    const c = this.deps.config;
    const options: ImapFlowOptions = {
      host: c.EMAIL_IMAP_HOST,
      port: c.EMAIL_IMAP_PORT,
      secure: c.EMAIL_IMAP_TLS === 'implicit',
      doSTARTTLS:
        c.EMAIL_IMAP_TLS === 'starttls' ? true : c.EMAIL_IMAP_TLS === 'none' ? false : undefined,
      auth: { user: c.EMAIL_IMAP_USER, pass: c.EMAIL_IMAP_PASSWORD },
      logger: c.EMAIL_DEBUG ? (this.deps.logger ?? false) : false,
      // imapflow waits 15 s before IDLE by default: new mail would be noticed that late.
      autoIdleDelay: c.EMAIL_IDLE_DELAY_MS,
      // Servers without IDLE: poll with STATUS instead.
      missingIdleCommand: 'STATUS',
    };
    return new ImapFlow(options);
  }

  private async run(ready: () => void): Promise<void> {
    let delay = 500;
    while (!this.stopped) {
      const client = this.newClient();
      this.client = client;
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.on('error', (error: unknown) => this.log('warn', { err: error }, 'IMAP error'));
      let timer: NodeJS.Timeout | undefined;
      try {
        await client.connect();
        await this.prepare(client);
        delay = 500;
        this.log('info', { folder: this.deps.config.EMAIL_IMAP_MAILBOX }, 'IMAP connected');
        client.on('exists', () => this.trigger(client));
        timer = setInterval(() => this.trigger(client), this.deps.config.EMAIL_POLL_INTERVAL_MS);
        this.trigger(client);
        await this.scanning;
        ready();
        await closed;
        this.log('info', {}, 'IMAP connection closed');
      } catch (error) {
        this.log('warn', { err: error }, 'IMAP connection failed');
        ready();
        client.close();
      } finally {
        if (timer) clearInterval(timer);
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, delay).unref();
      });
      delay = Math.min(delay * 2, this.deps.config.EMAIL_RECONNECT_MAX_MS);
    }
  }

  private async prepare(client: ImapFlow): Promise<void> {
    const c = this.deps.config;
    if (c.EMAIL_PROCESSED_MODE === 'move') {
      const folders = await client.list();
      if (!folders.some((folder) => folder.path === c.EMAIL_PROCESSED_FOLDER)) {
        await client.mailboxCreate(c.EMAIL_PROCESSED_FOLDER);
      }
    }
    const mailbox = await client.mailboxOpen(c.EMAIL_IMAP_MAILBOX);
    if (this.uidValidity !== undefined && mailbox.uidValidity !== this.uidValidity) {
      // UIDs of the old generation mean nothing now; the full scan that follows re-reads all
      // unprocessed mail, and Message-ID keys keep anything already queued from being queued again.
      this.log('warn', { mailbox: c.EMAIL_IMAP_MAILBOX }, 'UIDVALIDITY changed: full re-scan');
    }
    if (mailbox.uidValidity !== this.uidValidity) this.failures.clear();
    this.uidValidity = mailbox.uidValidity;
  }

  /** Starts a scan, or asks the running one to go again when it ends. */
  private trigger(client: ImapFlow): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.dirty = true;
      return;
    }
    this.scanning = (async () => {
      try {
        do {
          this.dirty = false;
          await this.scan(client);
        } while (this.dirty && !this.stopped && client.usable);
      } catch (error) {
        this.log('warn', { err: error }, 'IMAP scan failed');
      } finally {
        this.scanning = undefined;
      }
    })();
  }

  private async scan(client: ImapFlow): Promise<void> {
    const c = this.deps.config;
    if (!client.usable) return;
    const mailbox = client.mailbox;
    if (mailbox && mailbox.uidValidity !== this.uidValidity) await this.prepare(client);
    const found = await client.search(
      c.EMAIL_PROCESSED_MODE === 'flag'
        ? { unKeyword: c.EMAIL_PROCESSED_KEYWORD, deleted: false }
        : { deleted: false },
      { uid: true },
    );
    const uids = (found || []).sort((a, b) => a - b);
    this.log('debug', { count: uids.length }, 'IMAP scan');
    for (let at = 0; at < uids.length; at += BATCH_MAILS) {
      if (this.stopped || !client.usable) return;
      // The queue or database is away: leave this and later mail for the next scan.
      if ((await this.processBatch(client, uids.slice(at, at + BATCH_MAILS))) === 'unavailable')
        return;
    }
  }

  /**
   * Handles a batch of mails in UID order: their envelopes in one FETCH, their sources in one
   * FETCH per BATCH_BYTES, and those handled marked processed in one command at the end (a crash
   * before it leaves them to the next scan, where their keys make them duplicates).
   */
  private async processBatch(
    client: ImapFlow,
    uids: readonly number[],
  ): Promise<'done' | 'unavailable'> {
    const c = this.deps.config;
    const metas = await fetchByUid(client, uids, {
      size: true,
      envelope: true,
      internalDate: true,
    });
    const present = uids.flatMap((uid) => metas.get(uid) ?? []);
    const downloaded = (meta: FetchMessageObject) =>
      (meta.size ?? 0) > c.EMAIL_MAX_MESSAGE_BYTES ? 0 : (meta.size ?? 0);
    const handled: number[] = [];
    let result: 'done' | 'unavailable' = 'done';
    try {
      for (const run of byteRuns(present, downloaded, BATCH_BYTES)) {
        if (this.stopped || !client.usable) break;
        const small = run.filter((meta) => (meta.size ?? 0) <= c.EMAIL_MAX_MESSAGE_BYTES);
        const sources = await fetchByUid(
          client,
          small.map((meta) => meta.uid),
          { source: true },
        );
        for (const meta of run) {
          const outcome = await this.processOne(meta, sources.get(meta.uid)?.source);
          if (outcome === 'done') handled.push(meta.uid);
          if (outcome === 'unavailable') {
            result = 'unavailable';
            break;
          }
        }
        if (result === 'unavailable') break;
      }
    } finally {
      if (handled.length > 0 && client.usable) await this.markProcessed(client, handled);
    }
    return result;
  }

  /**
   * Handles one mail. 'retry' and 'unavailable' leave it unflagged for a later scan; a mail that
   * fails MAX_ATTEMPTS times in a row is recorded as a processing error and flagged, so one bad
   * mail never holds up the others. 'done': to be marked processed.
   */
  private async processOne(
    meta: FetchMessageObject,
    source: Buffer | undefined,
  ): Promise<'done' | 'retry' | 'unavailable'> {
    const uid = meta.uid;
    try {
      const outcome = await this.outcomeOf(meta, source);
      if (outcome === undefined) return 'retry';
      this.failures.delete(uid);
      this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
      return 'done';
    } catch (error) {
      this.log('warn', { err: error, uid }, 'mail left for the next scan');
      if (isSwitchboardError(error) && error.code === 'SB_ERR_UNAVAILABLE') return 'unavailable';
      if (this.stopped) return 'retry';
      const failures = (this.failures.get(uid) ?? 0) + 1;
      this.failures.set(uid, failures);
      if (failures < MAX_ATTEMPTS) return 'retry';
      try {
        await this.reject(uid, {
          key: this.scoped(`uid.${String(this.uidValidity)}.${uid}`),
          reason: 'processing-error',
          detail: `failed ${failures} times: ${error instanceof Error ? error.message : String(error)}`,
          from: undefined,
          subject: undefined,
        });
        this.failures.delete(uid);
        return 'done';
      } catch {
        return 'retry';
      }
    }
  }

  /** What became of one mail; undefined when its source did not come (expunged meanwhile). */
  private async outcomeOf(
    meta: FetchMessageObject,
    source: Buffer | undefined,
  ): Promise<Outcome | undefined> {
    const c = this.deps.config;
    const uid = meta.uid;
    let outcome: Outcome;
    if ((meta.size ?? 0) > c.EMAIL_MAX_MESSAGE_BYTES) {
      // Not downloaded at all: recorded from the envelope, with a key stable across re-scans.
      const bare = envelopeKey(meta, (text) => this.hash(text));
      outcome = await this.reject(uid, {
        key: this.scoped(bare),
        reason: 'too-large',
        detail: `${meta.size ?? 0} bytes, over EMAIL_MAX_MESSAGE_BYTES (${c.EMAIL_MAX_MESSAGE_BYTES})`,
        from: meta.envelope?.from?.[0]?.address?.toLowerCase(),
        subject: meta.envelope?.subject,
      });
    } else {
      if (!source) return undefined;
      await this.deps.hooks?.afterFetch?.(uid);
      outcome = await this.handle(source, uid, meta.internalDate);
    }
    if (outcome === 'accepted' || outcome === 'duplicate')
      await this.deps.hooks?.afterAccept?.(uid);
    return outcome;
  }

  private async handle(
    source: Buffer,
    uid: number,
    internalDate: Date | string | undefined,
  ): Promise<Outcome> {
    let mail: ParsedEmail;
    try {
      mail = await parseEmail(source);
    } catch (error) {
      return this.reject(uid, {
        key: this.scoped(`h${this.hash(source)}`),
        reason: 'malformed',
        detail: `unparseable: ${error instanceof Error ? error.message : String(error)}`,
        from: undefined,
        subject: undefined,
      });
    }
    // The idempotency key, and the thread key of a new thread: scoped to this mailbox, so the same
    // mail sent to two of our mailboxes is two messages on two tickets.
    const key = this.scoped(mail.key);
    const base = { key, from: mail.from?.address, subject: mail.subject };
    // A bounce needs no From to be read (many DSNs have none): its failed recipients still count.
    if (!mail.from && mail.loop?.reason !== 'bounce') {
      return this.reject(uid, { ...base, reason: 'malformed', detail: 'no valid From address' });
    }
    if (mail.loop?.reason === 'bounce') {
      for (const address of mail.failedRecipients) await this.deps.store.markUndeliverable(address);
      return this.reject(uid, {
        ...base,
        reason: 'bounce',
        detail: `${mail.loop.detail}; failed: ${mail.failedRecipients.join(', ') || 'unknown'}`,
      });
    }
    if (!mail.from) throw new Error('unreachable: a mail without From was handled above');
    if (await this.isOwn(mail)) {
      return this.reject(uid, { ...base, reason: 'own-message', detail: 'sent by Switchboard' });
    }
    if (mail.loop) return this.reject(uid, { ...base, ...mail.loop });
    if (isEmptyMail(mail)) {
      return this.reject(uid, {
        ...base,
        reason: 'empty',
        detail: 'no subject, body or attachment',
      });
    }
    const threadKey = await this.threadOf(mail, key, mail.from.address);
    if (mail.messageId !== undefined) {
      await this.deps.store.rememberMessageId({
        mailboxId: this.mailboxId,
        messageId: mail.messageId,
        threadKey,
        direction: 'in',
        subject: mail.subject,
        startsThread: threadKey === key,
      });
    }
    const received =
      internalDate instanceof Date
        ? internalDate
        : internalDate
          ? new Date(internalDate)
          : undefined;
    // Attachments first: stored (or their metadata, when over the limit) before the message is
    // queued, so the message never names one that is missing; a retry finds them already there.
    const saved =
      mail.attachments.length === 0
        ? []
        : await this.deps.store.saveAttachments(
            key,
            mail.attachments.map((a) => this.toStore(a)),
          );
    const result = await this.deps.sink.accept(
      normalizeEmail(
        { ...mail, from: mail.from },
        {
          key,
          threadKey,
          mailboxId: this.mailboxId,
          receivedAt: received,
          saved,
          authservId: this.deps.config.EMAIL_AUTHSERV_ID,
        },
      ),
    );
    return result.duplicate ? 'duplicate' : 'accepted';
  }

  /** Content kept up to EMAIL_ATTACHMENT_MAX_BYTES; above it only the metadata, and why. */
  private toStore(a: ParsedAttachment): AttachmentInput {
    const limit = this.deps.config.EMAIL_ATTACHMENT_MAX_BYTES;
    const base = { name: a.name, contentType: a.contentType, size: a.size, sha256: a.sha256 };
    if (a.size <= limit) return { ...base, content: a.content };
    return {
      ...base,
      content: undefined,
      notStored: {
        reason: 'too-large',
        detail: `${a.size} bytes, over EMAIL_ATTACHMENT_MAX_BYTES (${limit})`,
      },
    };
  }

  /** In-Reply-To / References against ids we know, then the `[#T-n]` tag, else a new thread. */
  private async threadOf(mail: ParsedEmail, key: string, sender: string): Promise<string> {
    const known = await this.deps.store.threadOfMessageIds(this.mailboxId, mail.parents);
    if (known !== undefined) return known;
    const tag = ticketTag(mail.subject);
    if (tag !== undefined) {
      const tagged = await this.deps.store.threadOfTicketNumber(this.mailboxId, tag, sender);
      if (tagged !== undefined) return tagged;
    }
    return key;
  }

  private async isOwn(mail: ParsedEmail): Promise<boolean> {
    if (mail.from !== undefined && this.ownAddresses.has(mail.from.address)) return true;
    if (mail.messageId === undefined) return false;
    const at = mail.messageId.lastIndexOf('@');
    if (
      mail.messageId.startsWith('sb-') &&
      this.ownDomains.has(mail.messageId.slice(at + 1).toLowerCase())
    )
      return true;
    return this.deps.store.isOwnMessageId(this.mailboxId, mail.messageId);
  }

  private async reject(
    uid: number,
    r: {
      key: string;
      reason: RejectionReason;
      detail: string;
      from: string | undefined;
      subject: string | undefined;
    },
  ): Promise<RejectionReason> {
    await this.deps.store.recordRejection({
      ...r,
      mailboxId: this.mailboxId,
      mailbox: this.deps.config.EMAIL_IMAP_MAILBOX,
      uid,
      at: new Date(),
    });
    this.log('info', { reason: r.reason, uid }, 'mail not handed to the bot');
    return r.reason;
  }

  /** One STORE (flag mode) or MOVE for the whole set. */
  private async markProcessed(client: ImapFlow, uids: readonly number[]): Promise<void> {
    const c = this.deps.config;
    const set = uids.join(',');
    const ok =
      c.EMAIL_PROCESSED_MODE === 'flag'
        ? await client.messageFlagsAdd(set, ['\\Seen', c.EMAIL_PROCESSED_KEYWORD], { uid: true })
        : await client.messageMove(set, c.EMAIL_PROCESSED_FOLDER, { uid: true });
    if (!ok) throw new Error(`could not mark UIDs ${set} processed`);
  }

  private hash(value: string | Buffer): string {
    return createHash('sha256').update(value).digest('hex').slice(0, 40);
  }

  private log(
    level: 'debug' | 'info' | 'warn',
    fields: Record<string, unknown>,
    message: string,
  ): void {
    this.deps.logger?.[level]({ channel: 'email', mailbox: this.mailboxId, ...fields }, message);
  }
}
