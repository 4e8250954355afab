/**
 * Gateway processes for the load and fault benches: each role is started the way an operator
 * starts it (`node bin/switchboard.js start --role …`), so what is measured is the product, not an
 * in-process imitation of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Role } from '../src/app.ts';

const run = promisify(execFile);

export interface GatewayProcess {
  role: Role;
  name: string;
  child: ChildProcess;
  /** Resident memory in MiB, read from /proc (undefined once the process is gone). */
  rssMb(): number | undefined;
  /** SIGTERM and wait for the exit (SIGKILL after the timeout). */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/** How a process ended without being asked to (not by stop() or kill()). */
export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function readRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts one gateway process and resolves once it says it serves: the `listening` log line for
 * roles with HTTP, `worker running` for workers (after models are loaded or trained).
 */
export async function startGatewayProcess(options: {
  role: Role;
  name: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Appends the process's output here (kept for a post-mortem); otherwise it is discarded. */
  logFile?: string;
  /** Called when the process, once ready, exits although nobody stopped or killed it: a crash. */
  onUnexpectedExit?: (exit: UnexpectedExit) => void;
}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['bin/switchboard.js', 'start', '--role', options.role], {
    env: { ...options.env, LOG_LEVEL: options.env['LOG_LEVEL'] ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = options.role === 'worker' ? 'switchboard worker running' : 'switchboard listening';
  let tail = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.name} not ready in time; last output:\n${tail}`)),
      options.timeoutMs ?? 600_000,
    );
    const onData = (chunk: Buffer) => {
      // Look before trimming: the ready line may come in one large chunk with a flood of others.
      const seen = tail + chunk.toString('utf8');
      tail = seen.slice(-4000);
      if (seen.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-4000)),
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${code ?? signal}) before ready:\n${tail}`));
    });
  });
  // Keep draining the pipes so a chatty process never blocks on a full pipe.
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    log.write(tail);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  let exitRequested = false;
  child.once('exit', (code, signal) => {
    if (!exitRequested) options.onUnexpectedExit?.({ name: options.name, code, signal });
  });
  return {
    role: options.role,
    name: options.name,
    child,
    rssMb: () => (child.exitCode === null ? readRssMb(child.pid) : undefined),
    async stop(timeoutMs = 30_000) {
      exitRequested = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited(child);
      clearTimeout(timer);
    },
    async kill() {
      exitRequested = true;
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}

/** Creates an API-channel integration through the CLI, as an operator would. */
export async function createIntegrationByCli(
  env: NodeJS.ProcessEnv,
  name: string,
  callbackUrl: string,
): Promise<{ id: string; apiKey: string; webhookSecret: string }> {
  const { stdout } = await run(
    process.execPath,
    ['bin/switchboard.js', 'integration', 'create', '--name', name, '--callback-url', callbackUrl],
    { env },
  );
  return JSON.parse(stdout) as { id: string; apiKey: string; webhookSecret: string };
}
