import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Gives a Redis client an error listener. ioredis reconnects by itself and emits an `error` for
 * every failed attempt; a client without a listener prints "[ioredis] Unhandled error event" to
 * stderr for each one (outside our logs and their redaction). Every client the gateway creates,
 * including `duplicate()`s (which do not copy listeners), goes through here.
 */
export function watchRedisErrors<T extends Redis>(
  client: T,
  logger: Logger | undefined,
  name: string,
): T {
  client.on('error', (error: Error) =>
    logger?.warn({ redis: name, err: error.message }, 'redis unreachable'),
  );
  return client;
}
