/**
 * Counts the store operations the gateway makes, with the MongoDB driver's command monitoring
 * (`monitorCommands=true` on the connection string): one operation per command sent, by kind.
 * The count does not depend on the machine or on the store: it is the figure to cut (issue 21).
 */
import type { CommandStartedEvent, MongoClient } from 'mongodb';

export const STORE_OP_KINDS = [
  'reads',
  'inserts',
  'updates',
  'upserts',
  'findAndModify',
  'deletes',
] as const;
export type StoreOpKind = (typeof STORE_OP_KINDS)[number];

export interface StoreOpCounts {
  total: number;
  byKind: Record<StoreOpKind, number>;
  /**
   * Operations whose filter is not on `_id` alone. FerretDB 1.x pushes only `_id` equality down
   * to PostgreSQL; everything else needs an index of ours (docs/benchmarks.md).
   */
  notById: number;
  /**
   * Reads and writes whose filter has no top-level equality at all (`_id: { $in }`, `$or`, no
   * filter): FerretDB 1.x pushes none of it down, so each scans its whole collection in Go and
   * costs more as the pool grows. On the message paths this must stay 0.
   */
  fullScans: number;
}

/** Commands that are the driver's own housekeeping, not the gateway's work. */
const HOUSEKEEPING = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'buildInfo',
  'endSessions',
  'saslStart',
  'saslContinue',
  'createIndexes',
  'listIndexes',
  'listCollections',
  'killCursors',
]);

function kindOf(event: CommandStartedEvent): StoreOpKind | undefined {
  const command = event.command as Record<string, unknown>;
  switch (event.commandName) {
    case 'find':
    case 'aggregate':
    case 'count':
    case 'distinct':
    case 'getMore':
      return 'reads';
    case 'insert':
      return 'inserts';
    case 'update': {
      const updates = (command['updates'] as Array<{ upsert?: boolean }> | undefined) ?? [];
      return updates.some((u) => u.upsert) ? 'upserts' : 'updates';
    }
    case 'findAndModify':
      return 'findAndModify';
    case 'delete':
      return 'deletes';
    default:
      return undefined;
  }
}

/** The filters a command carries (a find's, each update's and delete's statement). */
function filtersOf(event: CommandStartedEvent): unknown[] {
  const command = event.command as Record<string, unknown>;
  const filters: unknown[] = [];
  if (command['filter'] !== undefined) filters.push(command['filter']);
  if (command['query'] !== undefined) filters.push(command['query']);
  for (const list of ['updates', 'deletes'] as const) {
    const statements = command[list] as Array<{ q?: unknown }> | undefined;
    for (const s of statements ?? []) filters.push(s.q);
  }
  return filters;
}

/** A plain value to compare with, not an operator document (`{ $in: … }`). */
function isEquality(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && !keys.some((k) => k.startsWith('$'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** Is the command's filter `_id` equality alone (or no filter, for an insert)? */
function byId(event: CommandStartedEvent): boolean {
  if (event.commandName === 'insert' || event.commandName === 'getMore') return true;
  if (event.commandName === 'aggregate' || event.commandName === 'count') return false;
  return filtersOf(event).every(
    (f) => isRecord(f) && Object.keys(f).length === 1 && '_id' in f && isEquality(f['_id']),
  );
}

/** Does FerretDB push none of the filter down (no top-level field compared for equality)? */
function fullScan(event: CommandStartedEvent): boolean {
  if (event.commandName === 'insert' || event.commandName === 'getMore') return false;
  const command = event.command as Record<string, unknown>;
  if (event.commandName === 'aggregate') {
    const first = (command['pipeline'] as Array<Record<string, unknown>> | undefined)?.[0];
    return !isRecord(first?.['$match']) || fullScanFilter(first['$match']);
  }
  const filters = filtersOf(event);
  return filters.length === 0 || filters.some(fullScanFilter);
}

function fullScanFilter(filter: unknown): boolean {
  if (!isRecord(filter)) return true;
  return !Object.entries(filter).some(([key, value]) => !key.startsWith('$') && isEquality(value));
}

/** One line per command: its kind, collection and the fields of its filter (no values). */
function describe(
  event: CommandStartedEvent,
  kind: StoreOpKind,
  idOnly: boolean,
  scan: boolean,
): string {
  const command = event.command as Record<string, unknown>;
  const collection = String(command[event.commandName]);
  const filter = (command['filter'] ??
    command['query'] ??
    (command['updates'] as Array<{ q?: unknown }> | undefined)?.[0]?.q ??
    (command['deletes'] as Array<{ q?: unknown }> | undefined)?.[0]?.q) as
    Record<string, unknown> | undefined;
  const fields = filter ? Object.keys(filter).join(',') : '';
  const note = scan ? ' (FULL SCAN)' : idOnly ? '' : ' (not by _id)';
  return `${kind} ${collection}${fields ? ` by ${fields}` : ''}${note}`;
}

/** A running count of the client's operations; `snapshot()` and `since()` read it. */
export class StoreOpCounter {
  private counts: StoreOpCounts = StoreOpCounter.empty();
  readonly unknown = new Map<string, number>();
  /** While set, each counted command is described here (collection, filter keys): `--trace`. */
  trace: string[] | undefined;

  constructor(client: MongoClient) {
    client.on('commandStarted', (event) => this.record(event));
  }

  static empty(): StoreOpCounts {
    return {
      total: 0,
      byKind: Object.fromEntries(STORE_OP_KINDS.map((k) => [k, 0])) as Record<StoreOpKind, number>,
      notById: 0,
      fullScans: 0,
    };
  }

  private record(event: CommandStartedEvent): void {
    if (HOUSEKEEPING.has(event.commandName)) return;
    const kind = kindOf(event);
    if (kind === undefined) {
      this.unknown.set(event.commandName, (this.unknown.get(event.commandName) ?? 0) + 1);
      return;
    }
    this.counts.total += 1;
    this.counts.byKind[kind] += 1;
    const idOnly = byId(event);
    if (!idOnly) this.counts.notById += 1;
    const scan = fullScan(event);
    if (scan) this.counts.fullScans += 1;
    this.trace?.push(describe(event, kind, idOnly, scan));
  }

  snapshot(): StoreOpCounts {
    return structuredClone(this.counts);
  }

  /** What was counted since `before`, divided by `per` (e.g. operations per message). */
  since(before: StoreOpCounts, per = 1): StoreOpCounts {
    const now = this.counts;
    const round = (n: number) => Number((n / per).toFixed(2));
    return {
      total: round(now.total - before.total),
      byKind: Object.fromEntries(
        STORE_OP_KINDS.map((k) => [k, round(now.byKind[k] - before.byKind[k])]),
      ) as Record<StoreOpKind, number>,
      notById: round(now.notById - before.notById),
      fullScans: round(now.fullScans - before.fullScans),
    };
  }
}

/** `uri` with the driver's command monitoring switched on. */
export function monitoredUri(uri: string): string {
  const url = new URL(uri);
  url.searchParams.set('monitorCommands', 'true');
  return url.toString();
}
