/**
 * Issue 21 item 4: the local PostgreSQL starts with the settings chosen for it (jit off, SSD page
 * costs, 256 MB of buffers) and, when persistent (`npm start`), with PostgreSQL's durability
 * untouched: fsync, synchronous_commit and full_page_writes on. Read back with `SHOW` from the
 * running server, so a setting PostgreSQL refused or a flag that never reached it fails here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBinDir, startLocalPostgres } from '../../src/local/postgres-server.ts';

let dir = '';
let server: Awaited<ReturnType<typeof startLocalPostgres>> | undefined;

function show(setting: string): string {
  const bin = postgresBinDir();
  if (!bin || !server) throw new Error('no PostgreSQL');
  return execFileSync(join(bin, 'psql'), [server.url, '-Atc', `SHOW ${setting}`], {
    encoding: 'utf8',
  }).trim();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-pg-settings-'));
  server = await startLocalPostgres({ dir, persistent: true });
}, 120_000);

afterAll(async () => {
  await server?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the local PostgreSQL', () => {
  it('runs with the chosen settings', () => {
    expect(show('jit')).toBe('off');
    expect(show('random_page_cost')).toBe('1.1');
    expect(show('shared_buffers')).toBe('256MB');
    expect(show('max_connections')).toBe('150');
  });

  it('keeps its durability when persistent: a stored message survives a crash', () => {
    expect(show('fsync')).toBe('on');
    expect(show('synchronous_commit')).toBe('on');
    expect(show('full_page_writes')).toBe('on');
  });
});
