/**
 * Issue 21: FerretDB 1.x hangs for good once as many update, findAndModify or delete commands are
 * in flight as its PostgreSQL pool has connections (src/local/mongo-server.ts says why). The local
 * server sets that pool and hands out a URL that caps each client's pool below it, so several busy
 * processes together cannot hang it. Measured on a server of its own: a hang here must not stall
 * the rest of the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_POOL_SIZE,
  FERRETDB_POOL_CONNECTIONS,
  startLocalMongo,
  type LocalMongo,
} from '../../src/local/mongo-server.ts';

/** Client pools as the gateway's roles and a CLI would open them, each as busy as it can be. */
const PROCESSES = 4;
/** Updates each "process" starts at once: far more than its pool lets through. */
const UPDATES_EACH = 150;

let dir = '';
let mongo: LocalMongo | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-ferretdb-pool-'));
  mongo = await startLocalMongo({ dir, persistent: false, backend: 'postgresql' });
}, 240_000);

afterAll(async () => {
  await mongo?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the local MongoDB-compatible server', () => {
  it("hands out a URL whose client pool, times a few processes, stays below FerretDB's", () => {
    const cap = new URL(mongo!.url).searchParams.get('maxPoolSize');
    if (mongo!.server === 'mongod') expect(cap).toBeNull();
    else {
      expect(cap).toBe(String(CLIENT_POOL_SIZE));
      expect(PROCESSES * CLIENT_POOL_SIZE).toBeLessThan(FERRETDB_POOL_CONNECTIONS);
    }
  });

  it(`completes ${PROCESSES * UPDATES_EACH} concurrent updates from ${PROCESSES} clients of that URL`, async () => {
    const clients = await Promise.all(
      Array.from({ length: PROCESSES }, () => new MongoClient(mongo!.url).connect()),
    );
    try {
      const docs = clients[0]!.db('pool').collection<{ _id: string; n: number }>('docs');
      // One document per update: FerretDB's updates are not atomic, so two on one document may
      // lose one (the gateway takes a Redis lock for that; here it would blur what is measured).
      const ids = clients.flatMap((_, c) =>
        Array.from({ length: UPDATES_EACH }, (_, i) => `p${c}-${i}`),
      );
      await docs.insertMany(ids.map((_id) => ({ _id, n: 0 })));
      // Warm: each client opens as many connections as its pool allows, as a busy process's
      // pool would be when a burst of writes arrives. Reads of one document each: a cursor left
      // open for a next batch also holds one of FerretDB's connections between round trips.
      await Promise.all(
        clients.flatMap((client, c) =>
          Array.from({ length: UPDATES_EACH }, (_, i) =>
            client
              .db('pool')
              .collection<{ _id: string; n: number }>('docs')
              .findOne({ _id: `p${c}-${i}` }),
          ),
        ),
      );
      const started = Date.now();
      const all = Promise.all(
        clients.flatMap((client, c) =>
          Array.from({ length: UPDATES_EACH }, (_, i) =>
            client
              .db('pool')
              .collection<{ _id: string; n: number }>('docs')
              .updateOne({ _id: `p${c}-${i}` }, { $set: { n: 1 } }),
          ),
        ),
      );
      const outcome = await Promise.race([
        all.then(() => 'done'),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 45_000)),
      ]);
      expect(outcome).toBe('done');
      expect(await docs.countDocuments({ n: 1 })).toBe(PROCESSES * UPDATES_EACH);
      expect(Date.now() - started).toBeLessThan(45_000);
    } finally {
      await Promise.all(clients.map((c) => c.close(true)));
    }
  }, 200_000);
});
