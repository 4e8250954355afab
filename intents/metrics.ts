/**
 * Evaluation metrics shared by the benchmark and tests: in-scope accuracy, out-of-scope recall,
 * coverage at a target precision, latency percentiles.
 */
import { OOS_INTENT } from './types.ts';

/** One evaluated query. */
export interface EvaluatedQuery {
  gold: string;
  /** Decision at the model's own threshold (null = rejected as out of scope). */
  predicted: string | null;
  /** What the model would answer with no threshold (null = it never answers, e.g. oos class). */
  candidate: string | null;
  /** Confidence of `candidate`. */
  score: number;
}

/** Share of in-scope queries answered with the right intent (rejections count as wrong). */
export function inScopeAccuracy(queries: readonly EvaluatedQuery[]): number {
  const inScope = queries.filter((q) => q.gold !== OOS_INTENT);
  if (inScope.length === 0) return 0;
  return inScope.filter((q) => q.predicted === q.gold).length / inScope.length;
}

/** Share of out-of-scope queries rejected; null when there are none. */
export function oosRecall(queries: readonly EvaluatedQuery[]): number | null {
  const oos = queries.filter((q) => q.gold === OOS_INTENT);
  if (oos.length === 0) return null;
  return oos.filter((q) => q.predicted === null).length / oos.length;
}

/**
 * Largest share of all queries that can be answered while keeping precision >= `precision`,
 * sweeping a confidence threshold over the scores themselves. An answer to an out-of-scope query
 * is wrong. Queries with equal scores are answered or declined together.
 */
export function coverageAtPrecision(queries: readonly EvaluatedQuery[], precision: number): number {
  const answerable = queries.filter((q) => q.candidate !== null).sort((a, b) => b.score - a.score);
  let answered = 0;
  let correct = 0;
  let best = 0;
  for (let i = 0; i < answerable.length; i += 1) {
    const q = answerable[i];
    if (q === undefined) break;
    answered += 1;
    if (q.candidate === q.gold) correct += 1;
    const next = answerable[i + 1];
    const boundary = next === undefined || next.score < q.score;
    if (boundary && correct / answered >= precision) best = answered;
  }
  return queries.length === 0 ? 0 : best / queries.length;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
