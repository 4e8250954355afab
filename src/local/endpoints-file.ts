import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from './process-table.ts';

/**
 * A running `switchboard start` that brought up local servers writes their URLs here, so other
 * commands (`switchboard integration create`, ...) reach the same servers instead of starting
 * their own on the same files.
 */
export interface LocalEndpoints {
  pid: number;
  /** The start process's start time: a pid reused after a crash is not taken for it. */
  startTime?: string | undefined;
  mongoUrl?: string | undefined;
  redisUrl?: string | undefined;
}

const FILE = 'local-services.json';

export function writeLocalEndpoints(dataDir: string, endpoints: LocalEndpoints): void {
  writeFileSync(join(dataDir, FILE), JSON.stringify(endpoints));
}

export function clearLocalEndpoints(dataDir: string): void {
  rmSync(join(dataDir, FILE), { force: true });
}

/**
 * The endpoints of a live start process on this data folder, or undefined. The file of a start
 * process that is gone (killed) is removed.
 */
export function readLocalEndpoints(dataDir: string): LocalEndpoints | undefined {
  const path = join(dataDir, FILE);
  if (!existsSync(path)) return undefined;
  try {
    const endpoints = JSON.parse(readFileSync(path, 'utf8')) as LocalEndpoints;
    if (isRunning(endpoints)) return endpoints;
  } catch {
    // unreadable: as stale as a dead owner's
  }
  rmSync(path, { force: true });
  return undefined;
}
