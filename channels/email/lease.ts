import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Mutex } from 'redis-semaphore';
import type { EmailConfig } from './config.ts';

/** What a lease starts and stops: one mailbox's poller. */
export interface LeasedPoller {
  /** Starts polling; resolves after the first scan (or the first failed connect). */
  start(): Promise<void>;
  /** Stops after the mail in hand; nothing half-done is flagged. */
  stop(): Promise<void>;
}

export interface MailboxLeaseDeps {
  /** Redis of the lease; best one that fails commands while Redis is away (app.ts's producer). */
  redis: Redis;
  /** The lease's key (`leaseKey`); redis-semaphore stores it as `mutex:<key>`. */
  key: string;
  /** EMAIL_LEASE_MS: how long the lease outlives its holder. */
  leaseMs: number;
  poller: LeasedPoller;
  mailboxId: string;
  logger?: Logger | undefined;
}

/**
 * The lease key of an IMAP folder: the same server, login and folder is the same lease whatever
 * the mailbox id, so two processes never poll one folder (a test's second channel on another
 * login of the same server is another lease).
 */
export function leaseKey(
  prefix: string,
  config: Pick<
    EmailConfig,
    'EMAIL_IMAP_HOST' | 'EMAIL_IMAP_PORT' | 'EMAIL_IMAP_USER' | 'EMAIL_IMAP_MAILBOX'
  >,
): string {
  const folder = [
    config.EMAIL_IMAP_HOST.toLowerCase(),
    config.EMAIL_IMAP_PORT,
    config.EMAIL_IMAP_USER,
    config.EMAIL_IMAP_MAILBOX,
  ].join('\n');
  return `${prefix}:email:lease:${createHash('sha256').update(folder).digest('hex').slice(0, 16)}`;
}

type Settled<T> = { value: T } | { error: unknown } | 'timeout';

/** The outcome of `work` within `ms`; a late result is dropped (a late error too). */
async function settleWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      work.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One mailbox polled by exactly one process: whoever holds the mailbox's lease in Redis (a
 * redis-semaphore `Mutex`: SET NX PX to take it, compare-and-PEXPIRE to extend it, compare-and-DEL
 * to give it back) runs the poller; every other process stands by and tries again every third of
 * the lease. A graceful stop releases the lease at once; a holder that dies leaves it to expire
 * after `leaseMs`, and a standby takes over. Nothing is lost in a takeover: mail is flagged
 * processed only after it was queued, so the new holder's first scan re-reads what was not.
 *
 * The holder extends the lease every third of `leaseMs` and stops polling when it could not
 * confirm it for two thirds (Redis away, a refresh that hangs), or at once when the lease is no
 * longer its own (expired, Redis restarted without it) — in the first case a third of the lease
 * before any other process can take it. Then it competes again like any standby. When Redis lost
 * the key while the holder still polls, a standby may start before the holder's next refresh
 * notices: that overlap (one refresh period at most) is safe, as every mail's job id is its key.
 *
 * The refreshes are driven here rather than by the Mutex's own timer (`refreshInterval`,
 * `onLockLost`): in redis-semaphore 5.8 that timer lets a refresh that throws (Redis unreachable)
 * escape as an unhandled rejection, which ends a Node 20 process
 * (https://github.com/swarthy/redis-semaphore/issues/199), and a refresh that never answers never
 * reports the loss. Each refresh is the library's own, through a Mutex with the holder's
 * `identifier` and `acquiredExternally` (the README's pattern for extending a held lock).
 */
export class MailboxLease {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private attempted: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private holding = false;
  private firstScan: Promise<void> | undefined;
  private readonly retryMs: number;

  constructor(private readonly deps: MailboxLeaseDeps) {
    this.retryMs = Math.max(50, Math.round(deps.leaseMs / 3));
  }

  /** Whether this process holds the lease and polls the mailbox now. */
  get held(): boolean {
    return this.holding;
  }

  /** Starts competing; resolves after the first attempt (and, when it won, once polling began). */
  start(): Promise<void> {
    if (this.loop && this.attempted) return this.attempted;
    this.stopping = false;
    this.attempted = new Promise<void>((resolve) => {
      this.loop = this.run(resolve);
    });
    return this.attempted;
  }

  /**
   * Resolves after the first scan since this process took the lease; at once when it does not
   * hold it (tests and benchmarks await it after `start`).
   */
  scanned(): Promise<void> {
    return this.firstScan ?? Promise.resolve();
  }

  /** Stops polling (after the mail in hand), then releases the lease; stops competing. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    this.attempted = undefined;
  }

  private async run(attempted: () => void): Promise<void> {
    while (!this.stopping) {
      const mutex = new Mutex(this.deps.redis, this.deps.key, {
        lockTimeout: this.deps.leaseMs,
        acquireAttemptsLimit: 1,
        // Refreshed by `hold` (see the class comment).
        refreshInterval: 0,
      });
      const askedAt = Date.now();
      const taken = await settleWithin(mutex.tryAcquire(), this.deps.leaseMs);
      let won = false;
      if (taken === 'timeout' || 'error' in taken) {
        const err = taken === 'timeout' ? 'no answer' : taken.error;
        this.log('warn', { err }, 'email lease: Redis unreachable, standing by');
      } else {
        won = taken.value;
      }
      if (won && !this.stopping) {
        this.holding = true;
        this.log('info', {}, 'email lease taken: polling the mailbox');
        this.firstScan = this.deps.poller.start();
        attempted();
        await this.hold(mutex, askedAt);
      } else {
        if (won) await this.release(mutex);
        attempted();
        if (!this.stopping) await this.sleep(this.retryMs);
      }
    }
  }

  /** Extends the lease while polling; once lost or on stop: stops the poller, then releases. */
  private async hold(mutex: Mutex, askedAt: number): Promise<void> {
    const leaseMs = this.deps.leaseMs;
    // The key lives at least leaseMs from when the last successful command was sent.
    let validUntil = askedAt + leaseMs;
    let lost: string | undefined;
    let failed = false;
    while (!this.stopping) {
      // Polling ends here unless the lease was confirmed again: a third of it before it can lapse.
      const deadline = validUntil - leaseMs / 3;
      // After a failed refresh, sooner: a few tries before the deadline.
      const pause = failed ? this.retryMs / 4 : this.retryMs;
      await this.sleep(Math.min(pause, deadline - Date.now()));
      if (this.stopping) break;
      const sentAt = Date.now();
      if (sentAt >= deadline) {
        lost = 'could not be extended in time';
        break;
      }
      const refresher = new Mutex(this.deps.redis, this.deps.key, {
        identifier: mutex.identifier,
        acquiredExternally: true,
        lockTimeout: leaseMs,
        refreshInterval: 0,
      });
      const refreshed = await settleWithin(refresher.tryAcquire(), deadline - sentAt);
      if (refreshed === 'timeout') {
        lost = 'could not be extended in time';
        break;
      }
      failed = 'error' in refreshed;
      if ('error' in refreshed) {
        // Retried until the deadline: one failed round trip does not hand the mailbox over.
        this.log('warn', { err: refreshed.error }, 'email lease: refresh failed');
        continue;
      }
      if (!refreshed.value) {
        lost = 'held by another process or gone from Redis';
        break;
      }
      validUntil = sentAt + leaseMs;
    }
    // Polling stops first; only then may the lease go to another process.
    await this.deps.poller.stop();
    this.holding = false;
    this.firstScan = undefined;
    if (lost !== undefined) {
      this.log('warn', { reason: lost }, 'email lease lost: polling stopped, standing by');
    } else {
      this.log('info', {}, 'email lease released');
    }
    await this.release(mutex);
  }

  /** Compare-and-delete: a lease another process holds meanwhile is left alone. */
  private async release(mutex: Mutex): Promise<void> {
    const released = await settleWithin(mutex.release(), this.deps.leaseMs);
    if (released === 'timeout' || 'error' in released) {
      const err = released === 'timeout' ? 'no answer' : released.error;
      this.log('warn', { err }, 'email lease: release failed, it expires by itself');
    }
  }

  /** Waits `ms`, or less when `stop` is called. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private log(level: 'info' | 'warn', fields: Record<string, unknown>, message: string): void {
    this.deps.logger?.[level](
      { channel: 'email', mailbox: this.deps.mailboxId, lease: this.deps.key, ...fields },
      message,
    );
  }
}
