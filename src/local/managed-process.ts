import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server process we started and must stop: its pid is kept in a file so a stale one can be reaped. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  isAlive(): boolean;
  stop(): Promise<void>;
}

/**
 * Kills a process left behind by an earlier run that died without cleaning up (its pid file is
 * still there), so a restart on the same data folder does not fight over files or ports.
 */
export function reapStale(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 1) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(pidFile, { force: true });
}

/** Spawns a server in the foreground of a child process, its output appended to logFile. */
export function startManagedProcess(options: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user (when we are root and the server refuses root). */
  user?: { uid: number; gid: number };
  stopSignal?: NodeJS.Signals;
  cwd?: string;
}): ManagedProcess {
  reapStale(options.pidFile);
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child: ChildProcess = spawn(options.command, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (child.pid === undefined)
    throw new Error(`could not start ${options.name} (${options.command})`);
  writeFileSync(options.pidFile, String(child.pid));
  let exited = false;
  child.once('exit', () => {
    exited = true;
    rmSync(options.pidFile, { force: true });
  });
  const pid = child.pid;
  return {
    name: options.name,
    pid,
    isAlive: () => !exited,
    async stop() {
      if (exited) return;
      child.kill(options.stopSignal ?? 'SIGTERM');
      const done = once(child, 'exit');
      const timedOut = await Promise.race([done.then(() => false), sleep(10_000).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await done;
      }
      log.end();
    },
  };
}
