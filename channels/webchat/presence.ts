import type { Redis } from 'ioredis';

/** How long a visitor counts as there after their page last polled or while a stream is open. */
export const PRESENCE_SECONDS = 90;

/**
 * Is the visitor still on the chat page? A key per conversation in Redis, set while a Direct
 * Line stream is open (refreshed a third of its lifetime) and on every poll, so every api
 * process sees it. Only the fact and the time are kept: no address, no content.
 */
export class VisitorPresence {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly seconds = PRESENCE_SECONDS,
  ) {}

  private key(conversationId: string): string {
    return `${this.prefix}:webchat:here:${conversationId}`;
  }

  /** The visitor's page polled, or holds a stream: they count as there for a while. */
  async seen(conversationId: string): Promise<void> {
    await this.redis.set(this.key(conversationId), '1', 'EX', this.seconds);
  }

  /** Keeps the visitor present while `isOpen` says their stream is; returns the stop function. */
  whileOpen(conversationId: string, onError: (error: unknown) => void): () => void {
    const touch = () => void this.seen(conversationId).catch(onError);
    touch();
    const timer = setInterval(touch, (this.seconds * 1000) / 3);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** True when nobody has polled or held a stream of the conversation for `seconds`. */
  async away(conversationId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(conversationId))) === 0;
  }
}
