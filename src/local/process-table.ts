import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A process as the kernel knows it: its pid and its start time (clock ticks since boot, field 22
 * of /proc/<pid>/stat). The pair names one process for good: a pid alone may be reused by an
 * unrelated process after a crash, and a stale pid file must never make us signal that one.
 */
export interface ProcessIdentity {
  pid: number;
  startTime?: string | undefined;
}

/**
 * The start time of a live process, or undefined when there is none with that pid (a zombie
 * counts as gone: it holds no port, lock or file, it only waits for its parent to reap it).
 */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': read after the last.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return undefined;
  return fields[19];
}

/** True when the process is alive and, when its start time is known, is the same process. */
export function isRunning(identity: ProcessIdentity): boolean {
  const startTime = processStartTime(identity.pid);
  if (startTime === undefined) return false;
  return identity.startTime === undefined || identity.startTime === startTime;
}

/** The identity of this very process (what servers record as their owner). */
export function ownIdentity(): ProcessIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid) };
}

/** Resolves true once the process is gone, false when it still runs after timeoutMs. */
export async function waitForExit(identity: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(identity)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The same, blocking: only for `process.on('exit')`, where nothing asynchronous runs any more. */
export function waitForExitSync(identity: ProcessIdentity, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (isRunning(identity)) {
    if (Date.now() >= deadline) return false;
    Atomics.wait(pause, 0, 0, 50);
  }
  return true;
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
