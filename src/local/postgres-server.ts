import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installDebianPackage, isRoot } from './system-packages.ts';
import { findFreePort } from './free-port.ts';
import { startManagedProcess, type ManagedProcess } from './managed-process.ts';
import { waitForPort } from './wait-for-port.ts';

export interface LocalPostgres {
  url: string;
  process: ManagedProcess;
}

/** Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<major>/bin. */
function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` user the package made. */
function runAs(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Starts Debian's PostgreSQL on loopback as FerretDB's storage. `persistent: false` (tests) turns
 * off fsync: the data is thrown away anyway.
 */
export async function startLocalPostgres(options: {
  dir: string;
  persistent: boolean;
}): Promise<LocalPostgres> {
  let bin = postgresBinDir();
  if (!bin) {
    if (!isRoot()) {
      throw new Error(
        'PostgreSQL (FerretDB\'s local storage) is not installed: run "sudo apt-get install -y postgresql", ' +
          'or set LOCAL_FERRETDB_BACKEND=sqlite, or set MONGODB_URI',
      );
    }
    installDebianPackage('postgresql');
    bin = postgresBinDir();
  }
  if (!bin)
    throw new Error(
      'PostgreSQL was installed but its binaries were not found under /usr/lib/postgresql',
    );
  const user = runAs();
  const dataDir = join(options.dir, 'pgdata');
  mkdirSync(options.dir, { recursive: true });
  if (user) {
    // The server must reach its folder: a parent may be a 0700 temp dir of root's. Add only the
    // "others may traverse" bit where it is missing; nothing becomes readable.
    for (let parent = dirname(options.dir); parent !== dirname(parent); parent = dirname(parent)) {
      const mode = statSync(parent).mode;
      if ((mode & 0o001) === 0) chmodSync(parent, (mode & 0o7777) | 0o001);
    }
    chownSync(options.dir, user.uid, user.gid);
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    execFileSync(
      join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C',
        ...(options.persistent ? [] : ['--no-sync']),
      ],
      // cwd: its own folder, since the caller's may not be readable by the postgres user.
      { stdio: ['ignore', 'ignore', 'inherit'], cwd: options.dir, ...(user ?? {}) },
    );
  }
  const port = await findFreePort();
  const throwaway = options.persistent
    ? []
    : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const proc = startManagedProcess({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      options.dir,
      '-c',
      'listen_addresses=127.0.0.1',
      ...throwaway,
    ],
    logFile: join(options.dir, 'postgres.log'),
    pidFile: join(options.dir, 'postgres.owner.pid'),
    ...(user ? { user } : {}),
    cwd: options.dir,
    // SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for clients to leave.
    stopSignal: 'SIGINT',
  });
  await waitForPort(port, { isAlive: () => proc.isAlive(), timeoutMs: 60_000 });
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, process: proc };
}
