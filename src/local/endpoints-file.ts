import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A running `switchboard start` that brought up local servers writes their URLs here, so other
 * commands (`switchboard integration create`, ...) reach the same servers instead of starting
 * their own on the same files.
 */
export interface LocalEndpoints {
  pid: number;
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

/** The endpoints of a live start process on this data folder, or undefined. */
export function readLocalEndpoints(dataDir: string): LocalEndpoints | undefined {
  const path = join(dataDir, FILE);
  if (!existsSync(path)) return undefined;
  try {
    const endpoints = JSON.parse(readFileSync(path, 'utf8')) as LocalEndpoints;
    process.kill(endpoints.pid, 0);
    return endpoints;
  } catch {
    return undefined;
  }
}
