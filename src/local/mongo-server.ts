import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureFerretDbBinary } from './ferretdb-build.ts';
import { findFreePort } from './free-port.ts';
import { startManagedProcess, type ManagedProcess } from './managed-process.ts';
import { whichCommand } from './system-packages.ts';
import { waitForPort } from './wait-for-port.ts';
import { startLocalPostgres, type LocalPostgres } from './postgres-server.ts';

/**
 * FerretDB's storage. PostgreSQL is the default: measured here, FerretDB 1.24's SQLite backend
 * takes ~15 ms per update on a 3,000-document collection and more as it grows (the PostgreSQL
 * backend: ~4 ms), and serializes concurrent writers behind SQLite's busy-wait.
 */
export type FerretDbBackend = 'postgresql' | 'sqlite';

export interface LocalMongo {
  /**
   * Connection string without a database name (callers pass theirs as an option); for FerretDB
   * it caps the client pool (`maxPoolSize`, see FERRETDB_POOL_CONNECTIONS).
   */
  url: string;
  server: 'mongod' | 'ferretdb';
  process: ManagedProcess;
}

/**
 * Starts a local MongoDB-compatible server: a real `mongod` when one is on PATH, else FerretDB on
 * the chosen backend (PostgreSQL from Debian's packages, or SQLite). The rest of the code only sees
 * a mongodb:// URL.
 */
export async function startLocalMongo(options: {
  dir: string;
  persistent: boolean;
  backend: FerretDbBackend;
  port?: number;
}): Promise<LocalMongo> {
  mkdirSync(options.dir, { recursive: true });
  const mongod = whichCommand('mongod');
  // Built (once per machine) before anything starts, so a failed build leaves nothing running.
  const ferretdb = mongod ? undefined : await ensureFerretDbBinary();
  const postgres =
    !mongod && options.backend === 'postgresql'
      ? await startLocalPostgres({
          dir: join(options.dir, 'postgres'),
          persistent: options.persistent,
        })
      : undefined;
  try {
    return await startServer({ ...options, mongod, ferretdb, postgres });
  } catch (error) {
    await postgres?.process.stop();
    throw error;
  }
}

/**
 * FerretDB 1.x hangs for good once about as many update, findAndModify or delete commands are in
 * flight as its PostgreSQL pool has connections (issue 21). Each such command keeps its query's
 * connection until the command ends (`defer closer.Close()` in its handlers) and takes a second
 * one for the write: when queries hold every connection, no write can start, and nothing times
 * out. Measured here: 100 concurrent `updateOne` by `_id` hang its default pool of 50; 80 hang a
 * pool of 20 (test/local/ferretdb-pool.test.ts); a multi-statement update (`bulkWrite`) holds one
 * connection per statement, and four of 16 statements hung it. A cursor left open for its next
 * batch holds one too. So the local server's pool is set here, and the URL it hands out caps each
 * client's pool (`maxPoolSize`: its commands in flight), so that several busy processes (the
 * gateway's roles, a CLI, a test file; 5 at full tilt) stay below it. docs/operations.md gives the
 * rule for a FerretDB run elsewhere.
 */
export const FERRETDB_POOL_CONNECTIONS = 120;
export const CLIENT_POOL_SIZE = 20;

/** The MongoDB-compatible server itself, once its storage (if any) runs. */
async function startServer(options: {
  dir: string;
  port?: number;
  mongod: string | undefined;
  ferretdb: string | undefined;
  postgres: LocalPostgres | undefined;
}): Promise<LocalMongo> {
  const { mongod, ferretdb, postgres } = options;
  const port = options.port ?? (await findFreePort());
  const storage = postgres
    ? [
        '--handler=postgresql',
        `--postgresql-url=${postgres.url}?pool_max_conns=${FERRETDB_POOL_CONNECTIONS}`,
      ]
    : ['--handler=sqlite', `--sqlite-url=file:${options.dir}/`];
  const proc = mongod
    ? await startManagedProcess({
        name: 'mongod',
        command: mongod,
        args: ['--dbpath', options.dir, '--port', String(port), '--bind_ip', '127.0.0.1'],
        logFile: join(options.dir, 'mongod.log'),
        pidFile: join(options.dir, 'mongod.pid'),
      })
    : await startManagedProcess({
        name: 'ferretdb',
        command: ferretdb ?? 'ferretdb',
        args: [
          ...storage,
          `--listen-addr=127.0.0.1:${port}`,
          `--state-dir=${options.dir}`,
          // Telemetry would try to reach the network; the debug listener's fixed port collides.
          '--telemetry=disable',
          '--debug-addr=-',
          '--log-level=warn',
        ],
        logFile: join(options.dir, 'ferretdb.log'),
        pidFile: join(options.dir, 'ferretdb.pid'),
      });
  try {
    await waitForPort(port, { isAlive: () => proc.isAlive(), timeoutMs: 60_000 });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  const server: ManagedProcess = postgres
    ? {
        name: 'ferretdb+postgres',
        pid: proc.pid,
        isAlive: () => proc.isAlive() && postgres.process.isAlive(),
        // FerretDB first, so PostgreSQL has no clients left when it stops.
        stop: async () => {
          await proc.stop();
          await postgres.process.stop();
        },
      }
    : proc;
  return {
    url: mongod
      ? `mongodb://127.0.0.1:${port}`
      : `mongodb://127.0.0.1:${port}/?maxPoolSize=${CLIENT_POOL_SIZE}`,
    server: mongod ? 'mongod' : 'ferretdb',
    process: server,
  };
}
