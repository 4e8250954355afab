import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readPidFile, removePidFile, writePidFile } from './pid-file.ts';
import {
  isRunning,
  ownIdentity,
  processStartTime,
  signal,
  waitForExit,
  waitForExitSync,
  type ProcessIdentity,
} from './process-table.ts';

/** A server process we started and must stop: its pid is kept in a file so a stale one can be reaped. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  isAlive(): boolean;
  stop(): Promise<void>;
}

/** How long a server may take to stop on its stop signal before its process group is killed. */
const STOP_GRACE_MS = 10_000;

interface Running {
  identity: ProcessIdentity;
  stopSignal: NodeJS.Signals;
  pidFile: string;
  stop(): Promise<void>;
}

/** The servers this process started and has not stopped yet, in start order. */
const running = new Set<Running>();
let exitHookInstalled = false;

/**
 * Stops every server this process started and still runs, the last started first (FerretDB
 * before the PostgreSQL under it). For exit paths that have no handle on the servers, such as a
 * stop requested while they were still starting.
 */
export async function stopAllManagedProcesses(): Promise<void> {
  for (const server of [...running].reverse()) await server.stop();
}

/**
 * The last resort, on `process.on('exit')` (a fatal error, an uncaught exception, process.exit
 * anywhere): the servers run in their own process group, so nothing else would stop them.
 * Synchronous, as the exit event requires.
 */
function stopRemainingSync(): void {
  const remaining = [...running].reverse();
  for (const server of remaining) signal(server.identity.pid, server.stopSignal);
  for (const server of remaining) {
    if (!waitForExitSync(server.identity, STOP_GRACE_MS)) {
      signal(-server.identity.pid, 'SIGKILL');
      waitForExitSync(server.identity, 2000);
    }
    removePidFile(server.pidFile);
  }
}

/** Stops one process: its stop signal, then SIGKILL to its whole group if it does not go. */
async function stopProcess(identity: ProcessIdentity, stopSignal: NodeJS.Signals): Promise<void> {
  signal(identity.pid, stopSignal);
  if (await waitForExit(identity, STOP_GRACE_MS)) return;
  signal(-identity.pid, 'SIGKILL');
  signal(identity.pid, 'SIGKILL');
  await waitForExit(identity, 5000);
}

/** True when a pid is running the given program (for pid files that recorded no start time). */
function runsProgram(pid: number, command: string): boolean {
  try {
    const program = basename(readlinkSync(`/proc/${pid}/exe`));
    return program === basename(command) || program === basename(realpathSync(command));
  } catch {
    return false;
  }
}

/**
 * Stops a server left behind by an earlier run that died without stopping it (its pid file is
 * still there and its owner is gone), waits until it has exited, then removes the file: a
 * restart on the same data folder then finds no server holding its files, locks or memory.
 * Refuses when the owner is still alive: that process is using the folder.
 */
export async function reapStale(options: {
  pidFile: string;
  name: string;
  command: string;
  stopSignal?: NodeJS.Signals;
}): Promise<void> {
  const record = readPidFile(options.pidFile);
  if (!record) return removePidFile(options.pidFile);
  const { owner } = record;
  if (owner && owner.pid !== process.pid && isRunning(owner)) {
    throw new Error(
      `${options.name} in ${options.pidFile} belongs to process ${owner.pid}, which still runs: stop it first`,
    );
  }
  const orphan =
    record.startTime !== undefined
      ? isRunning(record)
      : isRunning(record) && runsProgram(record.pid, options.command);
  if (orphan) await stopProcess(record, options.stopSignal ?? 'SIGTERM');
  removePidFile(options.pidFile);
}

/**
 * Spawns a server in its own process group (so a Ctrl-C on the terminal reaches the gateway, which
 * drains its workers and only then stops the servers), its output appended to logFile.
 */
export async function startManagedProcess(options: {
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
}): Promise<ManagedProcess> {
  await reapStale(options);
  const stopSignal = options.stopSignal ?? 'SIGTERM';
  // The server writes its log itself: a pipe through us would break (and could kill it by
  // SIGPIPE) when we die, and it must outlive us until the next start reaps it.
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      stdio: ['ignore', log, log],
      detached: true,
      env: options.env ?? process.env,
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
  } finally {
    closeSync(log);
  }
  let exited = false;
  // 'error' without 'exit' when the program could not be started at all.
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  if (child.pid === undefined)
    throw new Error(`could not start ${options.name} (${options.command})`);
  const pid = child.pid;
  const identity = { pid, startTime: processStartTime(pid) };
  writePidFile(options.pidFile, { ...identity, owner: ownIdentity() });
  const entry: Running = {
    identity,
    stopSignal,
    pidFile: options.pidFile,
    async stop() {
      if (!exited) {
        child.kill(stopSignal);
        const stopped = await Promise.race([
          exit.then(() => true),
          sleep(STOP_GRACE_MS).then(() => false),
        ]);
        if (!stopped) {
          signal(-pid, 'SIGKILL');
          await exit;
        }
      }
      running.delete(entry);
      removePidFile(options.pidFile);
    },
  };
  void exit.then(() => {
    exited = true;
    running.delete(entry);
    removePidFile(options.pidFile);
  });
  running.add(entry);
  if (!exitHookInstalled) {
    process.on('exit', stopRemainingSync);
    exitHookInstalled = true;
  }
  return { name: options.name, pid, isAlive: () => !exited, stop: () => entry.stop() };
}
