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

/** What a customer feels, at the model's own thresholds (see docs/benchmarks-nlu.md). */
export interface AnswerMetrics {
  /** Right answers / answers given (1 when nothing is answered). */
  answerPrecision: number;
  /** Right answers / in-scope questions. */
  selfService: number;
  /** Wrong answers per 100 questions, in and out of scope. */
  wrongAnswersPer100: number;
  /** Questions in the "did you mean" band / all questions (never counted as answers). */
  clarifyRate: number;
  /** Of those, the share whose right intent was among the offered candidates. */
  clarifyHitRate: number | null;
}

/**
 * Answer metrics over evaluated queries. A direct answer is `predicted !== null`; a query with
 * `clarify` set was asked "did you mean" (only direct answers count as answers).
 */
export function answerMetrics(
  queries: readonly (EvaluatedQuery & { clarify?: boolean; clarifyHit?: boolean })[],
): AnswerMetrics {
  const answered = queries.filter((q) => q.predicted !== null);
  const right = answered.filter((q) => q.predicted === q.gold).length;
  const inScope = queries.filter((q) => q.gold !== OOS_INTENT).length;
  const clarified = queries.filter((q) => q.clarify === true);
  return {
    answerPrecision: answered.length === 0 ? 1 : right / answered.length,
    selfService: inScope === 0 ? 0 : right / inScope,
    wrongAnswersPer100:
      queries.length === 0 ? 0 : (100 * (answered.length - right)) / queries.length,
    clarifyRate: queries.length === 0 ? 0 : clarified.length / queries.length,
    clarifyHitRate:
      clarified.length === 0
        ? null
        : clarified.filter((q) => q.clarifyHit === true).length / clarified.length,
  };
}

/**
 * The most right answers / in-scope queries reachable at answer precision >= `precision` with a
 * threshold chosen on these very queries (an oracle: what a perfect calibration would give).
 */
export function oracleSelfService(queries: readonly EvaluatedQuery[], precision: number): number {
  const inScope = queries.filter((q) => q.gold !== OOS_INTENT).length;
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
    if (boundary && correct / answered >= precision) best = Math.max(best, correct);
  }
  return inScope === 0 ? 0 : best / inScope;
}
