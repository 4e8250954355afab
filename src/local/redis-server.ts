import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianCommand } from './system-packages.ts';
import { findFreePort } from './free-port.ts';
import { startManagedProcess, type ManagedProcess } from './managed-process.ts';
import { waitForPort } from './wait-for-port.ts';

export interface LocalRedis {
  url: string;
  process: ManagedProcess;
}

/**
 * Starts Debian's redis-server on loopback. `persistent` keeps an append-only file in dir so queued
 * jobs survive a restart (the gateway's default start); tests pass false for throwaway data.
 * BullMQ requires `maxmemory-policy noeviction`: an evicted job key would be a lost message.
 */
export async function startLocalRedis(options: {
  dir: string;
  persistent: boolean;
  port?: number;
}): Promise<LocalRedis> {
  const command = ensureDebianCommand({
    command: 'redis-server',
    debianPackage: 'redis-server',
    insteadVariable: 'REDIS_URL',
  });
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await findFreePort());
  const persistence = options.persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--appendonly', 'no', '--save', ''];
  const proc = await startManagedProcess({
    name: 'redis',
    command,
    args: [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      options.dir,
      '--daemonize',
      'no',
      '--maxmemory-policy',
      'noeviction',
      ...persistence,
    ],
    logFile: join(options.dir, 'redis.log'),
    pidFile: join(options.dir, 'redis.pid'),
  });
  try {
    await waitForPort(port, { isAlive: () => proc.isAlive() });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, process: proc };
}
