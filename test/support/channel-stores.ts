import type { Connection } from 'mongoose';
import type { ChannelPool, InboundFiles } from '../../src/domain/ports.ts';
import { channelPool } from '../../src/pipeline/channel-pool.ts';
import { PoolAttachments } from '../../src/pool/attachments.ts';
import type { MessageDoc } from '../../src/pool/models.ts';
import type { TicketPool } from '../../src/pool/pool.ts';

/**
 * What a channel's store is built from, over a test's pool, as the gateway builds it (src/app.ts):
 * the database, the pool's channel port, and the attachment store.
 */
export function channelStoreDeps(
  pool: TicketPool,
  enqueue: (message: MessageDoc) => Promise<void> = () => Promise.resolve(),
): { db: Connection; pool: ChannelPool; files: InboundFiles } {
  const db = pool.models.Ticket.db;
  const files = PoolAttachments.create(db);
  return {
    db,
    pool: channelPool(pool, enqueue),
    // Created on first use: the collection's index is built once per connection.
    files: { save: async (...args) => (await files).save(...args) },
  };
}
