import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureFerretDbBinary } from './ferretdb-build.ts';
import { findFreePort } from './free-port.ts';
import { startManagedProcess, type ManagedProcess } from './managed-process.ts';
import { whichCommand } from './system-packages.ts';
import { waitForPort } from './wait-for-port.ts';
import { startLocalPostgres } from './postgres-server.ts';

/**
 * FerretDB's storage. PostgreSQL is the default: measured here, FerretDB 1.24's SQLite backend
 * takes ~15 ms per update on a 3,000-document collection and more as it grows (the PostgreSQL
 * backend: ~4 ms), and serializes concurrent writers behind SQLite's busy-wait.
 */
export type FerretDbBackend = 'postgresql' | 'sqlite';

export interface LocalMongo {
  /** Connection string without a database name; callers append their own. */
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
  const port = options.port ?? (await findFreePort());
  const mongod = whichCommand('mongod');
  const postgres =
    !mongod && options.backend === 'postgresql'
      ? await startLocalPostgres({
          dir: join(options.dir, 'postgres'),
          persistent: options.persistent,
        })
      : undefined;
  const storage = postgres
    ? ['--handler=postgresql', `--postgresql-url=${postgres.url}`]
    : ['--handler=sqlite', `--sqlite-url=file:${options.dir}/`];
  const proc = mongod
    ? startManagedProcess({
        name: 'mongod',
        command: mongod,
        args: ['--dbpath', options.dir, '--port', String(port), '--bind_ip', '127.0.0.1'],
        logFile: join(options.dir, 'mongod.log'),
        pidFile: join(options.dir, 'mongod.pid'),
      })
    : startManagedProcess({
        name: 'ferretdb',
        command: await ensureFerretDbBinary(),
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
  await waitForPort(port, { isAlive: () => proc.isAlive(), timeoutMs: 60_000 });
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
    url: `mongodb://127.0.0.1:${port}`,
    server: mongod ? 'mongod' : 'ferretdb',
    process: server,
  };
}
