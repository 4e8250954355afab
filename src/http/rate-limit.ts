import type { Request, RequestHandler } from 'express';
import { addressKey } from '../domain/address-key.ts';
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { SwitchboardError } from '../domain/errors.ts';

/** A request refused by a rate limit, with the seconds until it may be tried again. */
export class RateLimitedError extends SwitchboardError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('SB_ERR_RATE_LIMITED', message);
  }
}

/**
 * Counts one request of `key`. Over the limit: RateLimitedError (429, with Retry-After). The store
 * unreachable: SB_ERR_UNAVAILABLE (503) — nothing gets through uncounted while Redis is away, as
 * every endpoint that needs Redis answers then.
 */
export async function consumePoint(
  limiter: RateLimiterAbstract,
  key: string,
  reason: string,
): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new RateLimitedError(`${reason}; retry in ${seconds} s`, seconds);
    }
    throw new SwitchboardError(
      'SB_ERR_UNAVAILABLE',
      'the rate limiter is unreachable; retry later',
      {
        cause: error,
      },
    );
  }
}

/**
 * The key of the client's address: `req.ip` as the app's `trust proxy` setting gives it. An IPv6
 * client counts by its /64 (one host usually holds the whole prefix), an IPv4-mapped one as IPv4.
 */
export function clientAddressKey(req: Request): string {
  return addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/** Requests per minute of each class of limit; 0 turns that class off. */
export interface RateLimitSettings {
  /** The API channel: per integration key, and per client address. */
  api: number;
  /** Provider webhooks (Twilio, Slack): per sending address. */
  webhook: number;
  /** Everything else: admin and tickets APIs, Bull Board, web chat pages, probes, metrics. */
  public: number;
}

export type RateLimitKind = keyof RateLimitSettings;

export function rateLimitSettings(
  config: Pick<
    Config,
    'RATE_LIMIT_API_PER_MINUTE' | 'RATE_LIMIT_WEBHOOK_PER_MINUTE' | 'RATE_LIMIT_PUBLIC_PER_MINUTE'
  >,
): RateLimitSettings {
  return {
    api: config.RATE_LIMIT_API_PER_MINUTE,
    webhook: config.RATE_LIMIT_WEBHOOK_PER_MINUTE,
    public: config.RATE_LIMIT_PUBLIC_PER_MINUTE,
  };
}

const WINDOW_SECONDS = 60;

/**
 * The HTTP endpoints' rate limits (rate-limiter-flexible). Each endpoint group counts in a `scope`
 * of its own, so a flood of one group blocks no other; counts are kept in Redis, so every api
 * process shares them — except the probes', kept in memory so that /healthz, /readyz and /metrics
 * still answer while Redis is away.
 */
export class HttpRateLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    private readonly options: { redis: Redis; prefix: string; perMinute: RateLimitSettings },
  ) {}

  /** Middleware counting each request by the client's address against `kind`'s limit. */
  perAddress(
    kind: RateLimitKind,
    scope: string,
    options: { store?: 'redis' | 'memory' } = {},
  ): RequestHandler {
    const limiter = this.limiter(kind, `${scope}:address`, options.store ?? 'redis');
    if (limiter === undefined) return (_req, _res, next) => next();
    return async (req, _res, next) => {
      await consumePoint(limiter, clientAddressKey(req), 'too many requests from this address');
      next();
    };
  }

  /** Counts one request of `key` (e.g. an integration id) in `scope`; throws over the limit. */
  async consume(kind: RateLimitKind, scope: string, key: string, reason: string): Promise<void> {
    const limiter = this.limiter(kind, scope, 'redis');
    if (limiter !== undefined) await consumePoint(limiter, key, reason);
  }

  private limiter(
    kind: RateLimitKind,
    scope: string,
    store: 'redis' | 'memory',
  ): RateLimiterAbstract | undefined {
    const points = this.options.perMinute[kind];
    if (points === 0) return undefined;
    const keyPrefix = `${this.options.prefix}:rl:${kind}:${scope}`;
    const name = `${store}:${keyPrefix}`;
    let limiter = this.limiters.get(name);
    if (limiter === undefined) {
      limiter =
        store === 'memory'
          ? new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS })
          : new RateLimiterRedis({
              storeClient: this.options.redis,
              keyPrefix,
              points,
              duration: WINDOW_SECONDS,
            });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}
