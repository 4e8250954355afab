import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/local/free-port.ts';
import {
  isRunning,
  processStartTime,
  type ProcessIdentity,
} from '../../src/local/process-table.ts';
import { waitFor } from '../support/gateway.ts';

/**
 * `switchboard start` as a supervisor (or a newcomer at a terminal) runs it: on one data folder,
 * with the local Redis, PostgreSQL and FerretDB it brings up itself, ended each time another way.
 * Seeding is off (KB_SEED_ON_START=false), so the empty knowledge base trains no model either.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'sb-restarts-'));
const SERVER_PROGRAMS = new Set([
  'redis-server',
  'redis-check-rdb',
  'postgres',
  'ferretdb',
  'mongod',
]);

type Ending = 'SIGKILL' | 'SIGINT' | 'bad configuration' | 'SIGTERM';
/** A kill -9 is always followed by a start, and so is a bad configuration; the last stop is clean. */
const ENDINGS: Ending[] = Array.from({ length: 5 }, () => [
  'SIGKILL' as const,
  'SIGINT' as const,
  'bad configuration' as const,
  'SIGTERM' as const,
]).flat();

function gatewayEnv(port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Only what a newcomer's shell has: no MONGODB_URI / REDIS_URL, so local servers start.
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    ...(process.env['XDG_CACHE_HOME'] ? { XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'] } : {}),
    DATA_DIR: dataDir,
    PORT: String(port),
    KB_SEED_ON_START: 'false',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

function startGateway(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  // Its own process group, as a shell gives a foreground job: Ctrl-C signals the whole group.
  const child = spawn(process.execPath, ['bin/switchboard.js', 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, output: () => output };
}

/** Every process, as pid → parent pid. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  return map;
}

function program(pid: number): string | undefined {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return undefined;
  }
}

/** The server processes (and their workers) below the gateway, with their start times. */
function serversOf(gatewayPid: number): ProcessIdentity[] {
  const ppids = parents();
  const below = new Set([gatewayPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of ppids)
      if (below.has(ppid) && !below.has(pid)) {
        below.add(pid);
        grew = true;
      }
  }
  below.delete(gatewayPid);
  return [...below]
    .filter((pid) => SERVER_PROGRAMS.has(program(pid) ?? ''))
    .map((pid) => ({ pid, startTime: processStartTime(pid) }));
}

/** Processes whose command line or working folder is in the data folder (any server of ours). */
function processesOnDataDir(): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (
        (cmdline.includes(dataDir) || cwd.startsWith(dataDir)) &&
        processStartTime(Number(name)) !== undefined
      )
        found.push(`${name}: ${cmdline.trim()} (in ${cwd})`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Pid files, lock files, sockets and the endpoints file anywhere under the data folder. */
function lockFiles(dir = dataDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return lockFiles(path);
    return /\.pid$|\.lock$|^\.s\.PGSQL|^local-services\.json$/.test(entry.name) ? [path] : [];
  });
}

function leftovers(seen: ProcessIdentity[]): {
  running: number[];
  processes: string[];
  files: string[];
} {
  return {
    running: seen.filter((server) => isRunning(server)).map((server) => server.pid),
    processes: processesOnDataDir(),
    files: lockFiles(),
  };
}
const NOTHING = { running: [], processes: [], files: [] };

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('switchboard start', () => {
  describe('when started and stopped 20 times in a row on one data folder', () => {
    it('starts every time and leaves no process or lock file behind', async () => {
      const seen: ProcessIdentity[] = [];
      let starts = 0;
      for (const [round, ending] of ENDINGS.entries()) {
        const port = await findFreePort();
        if (ending === 'bad configuration') {
          const { child, output } = startGateway(
            gatewayEnv(port, { WEBCHAT_TOKEN_SECRET: 'too-short' }),
          );
          const [code] = (await once(child, 'exit')) as [number | null];
          expect(code, `round ${round}: ${output()}`).toBe(1);
          expect(output()).toContain('WEBCHAT_TOKEN_SECRET: at least 32 characters');
          // Refused before anything started, and so nothing is left running.
          expect(output()).not.toContain('starting local');
          expect(leftovers(seen), `round ${round}`).toEqual(NOTHING);
          continue;
        }
        const { child, output } = startGateway(gatewayEnv(port));
        const exited = once(child, 'exit') as Promise<[number | null]>;
        const ready = await Promise.race([
          exited.then(() => false),
          waitFor(
            async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok,
            { timeoutMs: 90_000, intervalMs: 100, what: `start ${starts} to be ready` },
          ).catch(() => false),
        ]);
        if (!ready) {
          child.kill('SIGKILL');
          throw new Error(`round ${round} (after ${ENDINGS[round - 1]}): no start\n${output()}`);
        }
        starts += 1;
        const servers = serversOf(child.pid ?? 0);
        seen.push(...servers);
        if (ending === 'SIGINT')
          process.kill(-(child.pid ?? 0), 'SIGINT'); // Ctrl-C
        else child.kill(ending);
        const [code] = await exited;
        if (ending === 'SIGKILL') {
          // The servers outlive a gateway killed outright: the next start must reap them.
          expect(servers.filter((server) => isRunning(server)).length).toBeGreaterThan(0);
          continue;
        }
        expect(code, `round ${round}: ${output()}`).toBe(0);
        expect(output()).toContain('"msg":"stopped"');
        // A Ctrl-C reaches the gateway alone: Redis is stopped by it (SIGTERM), after the
        // workers drained, never by the terminal's SIGINT; no store went away under them.
        expect(readFileSync(join(dataDir, 'redis', 'redis.log'), 'utf8')).not.toContain(
          'Received SIGINT',
        );
        expect(output(), `round ${round}`).not.toMatch(/ECONNREFUSED|Connection is closed/);
        expect(leftovers(seen), `round ${round}`).toEqual(NOTHING);
      }
      expect(starts).toBe(15);
      // Redis, PostgreSQL and FerretDB were started by every start.
      expect(seen.length).toBeGreaterThanOrEqual(15 * 3);
      expect(leftovers(seen)).toEqual(NOTHING);
    }, 900_000);
  });

  describe('when the start fails after the local servers are up', () => {
    it('stops them before it exits', async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const { port } = taken.address() as AddressInfo;
      try {
        const { child, output } = startGateway(gatewayEnv(port));
        const code = await Promise.race([
          (once(child, 'exit') as Promise<[number | null]>).then(([exitCode]) => exitCode),
          sleep(60_000).then(() => 'still running'),
        ]);
        child.kill('SIGKILL');
        expect(code, output()).toBe(1);
        expect(output()).toContain('EADDRINUSE');
        expect(output()).toContain('starting local');
        expect(leftovers([])).toEqual(NOTHING);
      } finally {
        taken.close();
      }
    }, 120_000);
  });
});
