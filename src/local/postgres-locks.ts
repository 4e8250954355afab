import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning, processStartTime, signal, waitForExit } from './process-table.ts';

/** The pid on the first line of one of PostgreSQL's lock files, or undefined. */
function lockOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').split('\n')[0]?.trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when pid is a PostgreSQL server on this data folder (and not any process with that pid). */
function servesFolder(pid: number, dataDir: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(dataDir);
  } catch {
    return false;
  }
}

/**
 * Makes the folder startable after a run that was killed: a PostgreSQL still serving it (its
 * owner gone and, for some reason, no pid file of ours to reap it by) is shut down the way
 * PostgreSQL asks — SIGINT, then SIGQUIT, then SIGKILL to its process group — and the lock files
 * of a server that no longer runs (`postmaster.pid`, the socket's `.s.PGSQL.<port>.lock`) are
 * removed. The caller has made sure no live process of ours owns the folder.
 */
export async function clearStalePostgresLocks(paths: {
  dataDir: string;
  socketDir: string;
}): Promise<void> {
  const postmasterPid = join(paths.dataDir, 'postmaster.pid');
  const pid = lockOwner(postmasterPid);
  if (pid !== undefined && servesFolder(pid, paths.dataDir)) {
    const identity = { pid, startTime: processStartTime(pid) };
    for (const [name, graceMs] of [
      ['SIGINT', 10_000],
      ['SIGQUIT', 5000],
    ] as const) {
      signal(pid, name);
      if (await waitForExit(identity, graceMs)) break;
    }
    if (isRunning(identity)) {
      signal(-pid, 'SIGKILL');
      signal(pid, 'SIGKILL');
      await waitForExit(identity, 5000);
    }
  }
  if (existsSync(postmasterPid)) {
    const owner = lockOwner(postmasterPid);
    if (owner === undefined || !servesFolder(owner, paths.dataDir))
      rmSync(postmasterPid, { force: true });
  }
  if (!existsSync(paths.socketDir)) return;
  for (const name of readdirSync(paths.socketDir)) {
    const match = /^\.s\.PGSQL\.(\d+)\.lock$/.exec(name);
    if (!match) continue;
    const owner = lockOwner(join(paths.socketDir, name));
    if (owner !== undefined && servesFolder(owner, paths.dataDir)) continue;
    rmSync(join(paths.socketDir, name), { force: true });
    rmSync(join(paths.socketDir, `.s.PGSQL.${match[1]}`), { force: true });
  }
}
