import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { ProcessIdentity } from './process-table.ts';

/**
 * What a pid file of ours records: the server, and the process that started it and must stop it.
 * When the owner is gone (a `kill -9`, a power cut), the server is an orphan the next start reaps.
 */
export interface PidRecord extends ProcessIdentity {
  owner?: ProcessIdentity | undefined;
}

const IdentitySchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.string().max(32).optional(),
});
const RecordSchema = IdentitySchema.extend({ owner: IdentitySchema.optional() });

export function writePidFile(path: string, record: PidRecord): void {
  writeFileSync(path, `${JSON.stringify(record)}\n`);
}

/**
 * The record in a pid file, or undefined when there is none or it cannot be read. Files written
 * before records had identities hold a bare pid: it is read without a start time or owner.
 */
export function readPidFile(path: string): PidRecord | undefined {
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (/^\d{1,10}$/.test(text)) return { pid: Number(text) };
  try {
    const parsed = RecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}
