import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reapStale, startManagedProcess } from '../../src/local/managed-process.ts';
import { readPidFile, writePidFile } from '../../src/local/pid-file.ts';
import { isRunning, processStartTime } from '../../src/local/process-table.ts';
import { retryUntil } from '../../src/local/wait-for-port.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-managed-'));
const children: ChildProcess[] = [];

function sleeper(): { pid: number; startTime: string | undefined } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid ?? 0;
  return { pid, startTime: processStartTime(pid) };
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('local server processes', () => {
  describe('when a pid file outlived the run that wrote it', () => {
    it('stops the orphan it names and removes the file', async () => {
      const orphan = sleeper();
      const pidFile = join(dir, 'orphan.pid');
      // Its owner: a pid no process has (pid_max is at most 2^22).
      writePidFile(pidFile, { ...orphan, owner: { pid: 4_194_305, startTime: '1' } });
      await reapStale({ pidFile, name: 'sleep', command: 'sleep' });
      expect(isRunning(orphan)).toBe(false);
      expect(existsSync(pidFile)).toBe(false);
    });

    it('never signals another process that now has the recorded pid', async () => {
      const bystander = sleeper();
      const pidFile = join(dir, 'reused.pid');
      writePidFile(pidFile, { pid: bystander.pid, startTime: 'not-its-start-time' });
      await reapStale({ pidFile, name: 'sleep', command: 'sleep' });
      expect(isRunning(bystander)).toBe(true);
      expect(existsSync(pidFile)).toBe(false);
    });

    it('refuses to touch a server whose owner still runs', async () => {
      const server = sleeper();
      const owner = sleeper();
      const pidFile = join(dir, 'owned.pid');
      writePidFile(pidFile, { ...server, owner });
      await expect(reapStale({ pidFile, name: 'sleep', command: 'sleep' })).rejects.toThrow(
        `belongs to process ${owner.pid}, which still runs`,
      );
      expect(isRunning(server)).toBe(true);
    });
  });

  describe('when started', () => {
    it('runs in its own process group, records itself and its owner, and stops', async () => {
      const pidFile = join(dir, 'server.pid');
      const server = await startManagedProcess({
        name: 'sleep',
        command: 'sleep',
        args: ['60'],
        logFile: join(dir, 'server.log'),
        pidFile,
      });
      // A Ctrl-C on the terminal signals the foreground group: ours, not the server's.
      const stat = readFileSync(`/proc/${server.pid}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      expect(pgid).toBe(server.pid);
      expect(readPidFile(pidFile)).toMatchObject({
        pid: server.pid,
        startTime: processStartTime(server.pid),
        owner: { pid: process.pid, startTime: processStartTime(process.pid) },
      });
      await server.stop();
      expect(server.isAlive()).toBe(false);
      expect(existsSync(pidFile)).toBe(false);
    });
  });
});

describe('retryUntil', () => {
  it('retries a check that fails while a server starts until it passes', async () => {
    let calls = 0;
    const value = await retryUntil(
      () => {
        calls += 1;
        return calls < 4
          ? Promise.reject(new Error('the database system is starting up'))
          : Promise.resolve('ready');
      },
      { what: 'a server', timeoutMs: 10_000, intervalMs: 10 },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(4);
  });

  it('gives up at its deadline with the last reason', async () => {
    await expect(
      retryUntil(() => Promise.reject(new Error('no response')), {
        what: 'PostgreSQL',
        timeoutMs: 200,
        intervalMs: 20,
      }),
    ).rejects.toThrow('PostgreSQL: not ready within 200 ms (no response)');
  });

  it('stops waiting at once when the server exited', async () => {
    await expect(
      retryUntil(() => Promise.reject(new Error('refused')), {
        what: 'PostgreSQL',
        timeoutMs: 60_000,
        isAlive: () => false,
      }),
    ).rejects.toThrow('the server exited');
  });
});
