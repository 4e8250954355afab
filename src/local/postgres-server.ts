import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { installDebianPackage, isRoot } from './system-packages.ts';
import { findFreePort } from './free-port.ts';
import { reapStale, startManagedProcess, type ManagedProcess } from './managed-process.ts';
import { clearStalePostgresLocks } from './postgres-locks.ts';
import { retryUntil, waitForPort } from './wait-for-port.ts';

const run = promisify(execFile);

/** How long PostgreSQL may take to accept sessions (crash recovery of a persistent folder). */
/**
 * What the local PostgreSQL (FerretDB's store) starts with, beside its defaults (issue 21 item 4;
 * docs/operations.md explains each). Durability stays PostgreSQL's default on a persistent server
 * (`fsync`, `synchronous_commit` and `full_page_writes` on): the worker completes a message's
 * BullMQ job, and Redis forgets it, once the store said the write is done, so a commit lost in a
 * crash would be a message lost. Only throwaway servers (tests, benchmarks) trade it for speed.
 */
export const LOCAL_SETTINGS: readonly string[] = [
  // FerretDB sends short queries; JIT compilation (10–100 ms) starts on those whose estimated
  // cost is high — a scan of a large collection — and costs more than it saves there.
  'jit=off',
  // Local disks are SSDs: random reads cost about what sequential ones do, so the planner should
  // prefer the GIN lookup indexes over a scan sooner than its spinning-disk default (4) lets it.
  'random_page_cost=1.1',
  // The pool's working set is the open tickets and recent messages: 256 MB instead of 128 MB keeps
  // it cached on a busy day without claiming a real share of a small machine's memory.
  'shared_buffers=256MB',
  // Room for FerretDB's pool (mongo-server.ts FERRETDB_POOL_CONNECTIONS, 120) beside the
  // indexing and diagnostic sessions; PostgreSQL's default (100) is below that pool.
  'max_connections=150',
];

const READY_TIMEOUT_MS = 60_000;

export interface LocalPostgres {
  url: string;
  process: ManagedProcess;
}

/** Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string | undefined {
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
    // An initdb that was interrupted leaves a folder no server can use and initdb refuses.
    rmSync(dataDir, { recursive: true, force: true });
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
  // A PostgreSQL of a run that was killed may still hold the folder (reaped by its pid file), or
  // have left its lock files behind.
  const pidFile = join(options.dir, 'postgres.owner.pid');
  const command = join(bin, 'postgres');
  await reapStale({ pidFile, name: 'postgres', command, stopSignal: 'SIGINT' });
  await clearStalePostgresLocks({ dataDir, socketDir: options.dir });
  const port = await findFreePort();
  const throwaway = options.persistent
    ? []
    : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const settings = LOCAL_SETTINGS.flatMap((setting) => ['-c', setting]);
  const proc = await startManagedProcess({
    name: 'postgres',
    command,
    args: [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      options.dir,
      '-c',
      'listen_addresses=127.0.0.1',
      ...settings,
      ...throwaway,
    ],
    logFile: join(options.dir, 'postgres.log'),
    pidFile,
    ...(user ? { user } : {}),
    cwd: options.dir,
    // SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for clients to leave.
    stopSignal: 'SIGINT',
  });
  try {
    await waitForPort(port, { isAlive: () => proc.isAlive(), timeoutMs: READY_TIMEOUT_MS });
    await indexFerretDbLookups({
      bin,
      port,
      dir: options.dir,
      user,
      isAlive: () => proc.isAlive(),
    });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, process: proc };
}

/**
 * FerretDB 1.x turns every filter it pushes down into `_jsonb->'key' @> value`, which no B-tree
 * index serves — not the B-tree indexes it makes for our schemas' indexes, not even its own unique
 * one on `_jsonb->'_id'`. So each find, update and findAndModify scans its whole table, and the
 * pool's cost per message grows with the database: a 10,000-message day slowed from 16 to 3
 * messages/s as the pool passed 6,000 tickets (issue 21).
 *
 * A GIN index on the same expression serves `@>`. This event trigger gives each B-tree index
 * FerretDB creates a GIN twin on its leading key, so every index a schema declares (and `_id`)
 * backs the lookups it was declared for; the DO block does the same for a data folder made
 * before. Only top-level keys: FerretDB pushes no dotted path down. The twin is one per key and
 * table, whatever the number of compound indexes that lead with it.
 */
const FERRETDB_GIN_TWINS_SQL = `
SET client_min_messages = warning;
CREATE OR REPLACE FUNCTION switchboard_ferretdb_gin_twin(index_oid oid) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  rel regclass;
  lead text;
  key text;
BEGIN
  SELECT i.indrelid::regclass, pg_get_indexdef(i.indexrelid, 1, false) INTO rel, lead
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    WHERE i.indexrelid = index_oid AND am.amname = 'btree';
  key := substring(lead FROM '^\\(*_jsonb -> ''([^'']+)''::text\\)*$');
  IF key IS NULL THEN RETURN; END IF;
  IF EXISTS (SELECT 1 FROM pg_index i
               JOIN pg_class ic ON ic.oid = i.indexrelid
               JOIN pg_am am ON am.oid = ic.relam
             WHERE i.indrelid = rel AND am.amname = 'gin'
               AND pg_get_indexdef(i.indexrelid, 1, false) = lead) THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE INDEX ON %s USING gin ((_jsonb -> %L))', rel, key);
END $fn$;
CREATE OR REPLACE FUNCTION switchboard_ferretdb_gin_twins() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE obj record;
BEGIN
  FOR obj IN SELECT * FROM pg_event_trigger_ddl_commands()
             WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM switchboard_ferretdb_gin_twin(obj.objid);
  END LOOP;
END $fn$;
DROP EVENT TRIGGER IF EXISTS switchboard_ferretdb_id_index;
DROP FUNCTION IF EXISTS switchboard_ferretdb_id_index();
DROP EVENT TRIGGER IF EXISTS switchboard_ferretdb_gin_twins;
CREATE EVENT TRIGGER switchboard_ferretdb_gin_twins ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION switchboard_ferretdb_gin_twins();
DO $do$
DECLARE ix record;
BEGIN
  FOR ix IN SELECT i.indexrelid FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = '_jsonb'
            JOIN pg_class c ON c.oid = i.indrelid AND c.relkind = 'r' LOOP
    PERFORM switchboard_ferretdb_gin_twin(ix.indexrelid);
  END LOOP;
END $do$;
`;

/**
 * The port opens before the server accepts sessions (while it recovers a persistent folder it
 * answers "the database system is starting up", and pg_isready returns at once): both checks are
 * retried until READY_TIMEOUT_MS.
 */
async function indexFerretDbLookups(target: {
  bin: string;
  port: number;
  dir: string;
  user: { uid: number; gid: number } | undefined;
  isAlive: () => boolean;
}): Promise<void> {
  const { bin, port, dir, user } = target;
  const connection = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
  const waiting = { timeoutMs: READY_TIMEOUT_MS, isAlive: target.isAlive };
  await retryUntil(
    async () => {
      await run(join(bin, 'pg_isready'), [...connection, '-d', 'postgres', '-t', '2']);
    },
    { ...waiting, what: `PostgreSQL on 127.0.0.1:${port}` },
  );
  await retryUntil(
    async () => {
      const psql = run(
        join(bin, 'psql'),
        [...connection, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q'],
        { cwd: dir, ...(user ?? {}) },
      );
      psql.child.stdin?.end(FERRETDB_GIN_TWINS_SQL);
      await psql;
    },
    { ...waiting, what: `FerretDB's lookup indexes in PostgreSQL on 127.0.0.1:${port}` },
  );
}
