import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureFerretDbBinary } from './ferretdb-build.ts';
import { findFreePort } from './free-port.ts';
import { startManagedProcess, type ManagedProcess } from './managed-process.ts';
import { whichCommand } from './system-packages.ts';
import { waitForPort } from './wait-for-port.ts';

export interface LocalMongo {
  /** Connection string without a database name; callers append their own. */
  url: string;
  server: 'mongod' | 'ferretdb';
  process: ManagedProcess;
}

/**
 * Starts a local MongoDB-compatible server: a real `mongod` when one is on PATH, else FerretDB
 * with its SQLite backend. The rest of the code only sees a mongodb:// URL.
 */
export async function startLocalMongo(options: { dir: string; port?: number }): Promise<LocalMongo> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await findFreePort());
  const mongod = whichCommand('mongod');
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
          '--handler=sqlite',
          `--sqlite-url=file:${options.dir}/`,
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
  return { url: `mongodb://127.0.0.1:${port}`, server: mongod ? 'mongod' : 'ferretdb', process: proc };
}
