import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { WebchatConfig } from './config.ts';

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
 * The web chat's abuse limits, counted in Redis (rate-limiter-flexible), so every api process
 * shares one count: conversation starts per IP address, and messages per visitor and per IP.
 */
export class WebchatLimits {
  private readonly startsPerIp: RateLimiterRedis;
  private readonly messagesPerVisitor: RateLimiterRedis;
  private readonly messagesPerIp: RateLimiterRedis;

  constructor(redis: Redis, config: WebchatConfig, prefix: string) {
    const duration = config.WEBCHAT_RATE_WINDOW_SECONDS;
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:webchat:rl:${name}`,
        points,
        duration,
      });
    this.startsPerIp = limiter('start-ip', config.WEBCHAT_STARTS_PER_IP);
    this.messagesPerVisitor = limiter('msg-visitor', config.WEBCHAT_MESSAGES_PER_VISITOR);
    this.messagesPerIp = limiter('msg-ip', config.WEBCHAT_MESSAGES_PER_IP);
  }

  /** Counts a conversation start from `ip`; throws RateLimitedError over the limit. */
  async conversationStart(ip: string): Promise<void> {
    await consume(this.startsPerIp, ip, 'too many conversations started from this address');
  }

  /** Counts a message (or upload) from the visitor at `ip`; throws RateLimitedError over a limit. */
  async message(visitor: string, ip: string): Promise<void> {
    await consume(this.messagesPerVisitor, visitor, 'too many messages from this visitor');
    await consume(this.messagesPerIp, ip, 'too many messages from this address');
  }
}

async function consume(limiter: RateLimiterRedis, key: string, reason: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new RateLimitedError(`${reason}; retry in ${seconds} s`, seconds);
    }
    // The limiter could not reach Redis: nothing is accepted while it is away.
    throw new SwitchboardError(
      'SB_ERR_UNAVAILABLE',
      'the rate limiter is unreachable; retry later',
      {
        cause: error,
      },
    );
  }
}
