import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { consumePoint } from '../../src/http/rate-limit.ts';
import type { WebchatConfig } from './config.ts';

/** The gateway's one rate-limit error (429 with Retry-After), re-exported for the routes. */
export { RateLimitedError } from '../../src/http/rate-limit.ts';

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
    await consumePoint(this.startsPerIp, ip, 'too many conversations started from this address');
  }

  /** Counts a message (or upload) from the visitor at `ip`; throws RateLimitedError over a limit. */
  async message(visitor: string, ip: string): Promise<void> {
    await consumePoint(this.messagesPerVisitor, visitor, 'too many messages from this visitor');
    await consumePoint(this.messagesPerIp, ip, 'too many messages from this address');
  }
}
