/**
 * Issue 21: each process keeps the integrations it read (the API channel needs one per request and
 * per callback), and a change made anywhere — the admin API in one process, the CLI in another —
 * is seen by every process at its next use: a disabled or rotated key never outlives the change.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketPool } from '../../src/pool/pool.ts';
import { announceIntegrationChange, cachedIntegrationReads } from '../../src/integrations/cache.ts';
import {
  createIntegration,
  integrationDirectory,
  rotateIntegrationKey,
  setIntegrationDisabled,
} from '../../src/integrations/store.ts';
import { serviceUrl } from '../support/services.ts';
import { uniqueName } from '../support/gateway.ts';

let pool: TicketPool;
const redises: Redis[] = [];
const connect = () => {
  const redis = new Redis(serviceUrl('redisUrl'));
  redises.push(redis);
  return redis;
};

beforeAll(async () => {
  pool = await TicketPool.connect(serviceUrl('mongoUrl'), { dbName: uniqueName('sbintcache') });
});

afterAll(async () => {
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
  for (const redis of redises) redis.disconnect();
});

describe('cached integrations', () => {
  it('read the store once while nothing changes, and again after any change', async () => {
    const redis = connect();
    let reads = 0;
    const read = cachedIntegrationReads(async (id: string) => {
      reads += 1;
      return await Promise.resolve({ id, reads });
    }, redis);
    await read('a');
    await read('a');
    await read('a');
    expect(reads).toBe(1);
    await announceIntegrationChange(connect());
    expect(await read('a')).toEqual({ id: 'a', reads: 2 });
  });

  it('keep no unknown id: a caller inventing key ids cannot fill memory', async () => {
    let reads = 0;
    const read = cachedIntegrationReads(async () => {
      reads += 1;
      return await Promise.resolve(null);
    }, connect());
    expect(await read('nope')).toBeNull();
    expect(await read('nope')).toBeNull();
    expect(reads).toBe(2);
  });

  it('refuse a key disabled or rotated in another process at its next use', async () => {
    const { integration, apiKey } = await createIntegration(pool.models, { name: 'shop' });
    const id = String(integration._id);
    // Two gateway processes, each with its own cache and Redis connection; a third changes things.
    const api = integrationDirectory(pool.models, connect());
    const worker = integrationDirectory(pool.models, connect());
    const cli = connect();
    expect((await api.findByKey(apiKey))?.id).toBe(id);
    expect((await worker.findById(id))?.disabled).toBe(false);

    await setIntegrationDisabled(pool.models, { id, disabled: true, by: 'test' }, cli);
    expect(await api.findByKey(apiKey)).toBeNull();
    expect((await worker.findById(id))?.disabled).toBe(true);

    await setIntegrationDisabled(pool.models, { id, disabled: false, by: 'test' }, cli);
    const rotated = await rotateIntegrationKey(pool.models, { id, by: 'test' }, cli);
    expect(await api.findByKey(apiKey)).toBeNull();
    expect((await api.findByKey(rotated.apiKey))?.id).toBe(id);
    expect((await worker.findById(id))?.webhookSecret).toBe(rotated.webhookSecret);
  });
});
