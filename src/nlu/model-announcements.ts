/**
 * "A new model is stored" over Redis pub/sub, channel `<QUEUE_PREFIX>:intent-models`. Every
 * process holding an IntentEngine listens and loads the model by _id; the message carries only
 * the locale and the knowledge hash.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** One announcement. */
export interface ModelAnnouncement {
  locale: string;
  hash: string;
}

const AnnouncementSchema = z.object({ locale: z.string().min(1), hash: z.string().min(1) });

/** The pub/sub channel of a deployment. */
export function announcementChannel(prefix: string): string {
  return `${prefix}:intent-models`;
}

/** Tells every listening process that `locale`'s model for `hash` is stored. */
export async function announceModel(
  redis: Redis,
  prefix: string,
  announcement: ModelAnnouncement,
): Promise<void> {
  await redis.publish(announcementChannel(prefix), JSON.stringify(announcement));
}

/**
 * Listens on a connection of its own (a subscribed Redis connection can do nothing else).
 * Malformed messages are ignored; `onAnnouncement` errors go to `onError`.
 */
export async function subscribeToModels(
  subscriber: Redis,
  prefix: string,
  handlers: { onAnnouncement(a: ModelAnnouncement): Promise<void>; onError(error: unknown): void },
): Promise<void> {
  const channel = announcementChannel(prefix);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    let parsed: ModelAnnouncement;
    try {
      parsed = AnnouncementSchema.parse(JSON.parse(message));
    } catch (error) {
      handlers.onError(error);
      return;
    }
    handlers.onAnnouncement(parsed).catch((error: unknown) => handlers.onError(error));
  });
  await subscriber.subscribe(channel);
}
