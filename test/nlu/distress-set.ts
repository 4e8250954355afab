/**
 * The labelled distress sets (issue 17 item 6) and one pass of the detector over them. Both sets
 * use the same lines: `{"text": …, "distress": true|false, "kind": …}`, `kind` being one of the
 * four distress kinds or `question`, `mild`, `polite`, `tricky`.
 */
import { readFileSync } from 'node:fs';
import { analyzeSentiment } from '../../intents/index.ts';
import { detectDistress } from '../../src/nlu/distress.ts';

export interface DistressRow {
  text: string;
  distress: boolean;
  kind: string;
}

/** `distress` was written with the detector; `distress-holdout` independently, before any tuning. */
export type DistressSet = 'distress' | 'distress-holdout';

export function distressRows(set: DistressSet, locale: string): DistressRow[] {
  const path = new URL(`../fixtures/${set}/${locale}.jsonl`, import.meta.url);
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as DistressRow);
}

export interface DistressMeasure {
  /** Distress rows, and those the detector handed over. */
  distress: number;
  caught: number;
  /** Non-distress rows the detector flagged. */
  flagged: DistressRow[];
  /** Per `kind`: rows, and rows flagged. */
  byKind: Map<string, { rows: number; flagged: number }>;
}

/** The detector as the responder calls it; `earlierTickets` as if the contact had written before. */
export async function measureDistress(
  rows: readonly DistressRow[],
  locale: string,
  earlierTickets = 0,
): Promise<DistressMeasure> {
  const out: DistressMeasure = { distress: 0, caught: 0, flagged: [], byKind: new Map() };
  for (const row of rows) {
    const sentiment = await analyzeSentiment(row.text, locale);
    const hit = detectDistress(row.text, locale, sentiment, earlierTickets) !== undefined;
    const kind = out.byKind.get(row.kind) ?? { rows: 0, flagged: 0 };
    kind.rows += 1;
    if (hit) kind.flagged += 1;
    out.byKind.set(row.kind, kind);
    if (row.distress) {
      out.distress += 1;
      if (hit) out.caught += 1;
    } else if (hit) out.flagged.push(row);
  }
  return out;
}
