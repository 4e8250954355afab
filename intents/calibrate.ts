/**
 * Out-of-scope threshold selection. A query is answered when its best in-scope score reaches the
 * threshold and beats the explicit out-of-scope class; calibration sweeps every distinct score.
 */
import { OOS_INTENT } from './types.ts';
import type { IntentRanking } from './types.ts';

/** One held-out example with the model's ranking for it. */
export interface CalibrationSample {
  gold: string;
  ranking: IntentRanking;
}

/**
 * What to optimize.
 *
 * `minOosRecall` (default, 0.6) maximizes in-scope accuracy among thresholds that reject at least
 * that share of the out-of-scope examples: "answer as much as possible, but turn away at least
 * 60 % of off-topic messages" is the requirement the intent layer was given. It is also robust to
 * the few out-of-scope examples calibration sets hold (CLINC150: 100 in 15,000).
 *
 * `expected` maximizes the accuracy expected on traffic in which `oosShare` of the messages are
 * out of scope: (1 - oosShare) * in-scope accuracy + oosShare * oos recall (0.5 = the balanced
 * "in-scope accuracy + oos recall"). With 15 out-of-scope calibration examples each one moves
 * the objective by oosShare / 15, so it swings the threshold far (see docs/benchmarks-nlu.md).
 */
export type CalibrationCriterion =
  { kind: 'expected'; oosShare: number } | { kind: 'minOosRecall'; min: number };

/** The default criterion (see CalibrationCriterion). */
export const DEFAULT_CRITERION: CalibrationCriterion = { kind: 'minOosRecall', min: 0.6 };

/** Human-readable name stored in the model's calibration report. */
export function criterionName(criterion: CalibrationCriterion): string {
  return criterion.kind === 'expected'
    ? `expected accuracy, oos share ${criterion.oosShare}`
    : `max in-scope accuracy with oos recall >= ${criterion.min}`;
}

/** Result of a sweep. */
export interface ThresholdChoice {
  threshold: number;
  inScopeAccuracy: number;
  oosRecall: number;
}

/** The decision rule shared by classification, calibration and the benchmark. */
export function decide(ranking: IntentRanking, threshold: number): string | null {
  const best = ranking.ranked[0];
  if (best === undefined || best.score < threshold || best.score <= ranking.oosScore) return null;
  return best.intent;
}

/**
 * Picks the threshold on held-out samples. With no out-of-scope samples both criteria reduce to
 * in-scope accuracy, which is best when answering everything (threshold 0): right for that data.
 */
export function chooseThreshold(
  samples: readonly CalibrationSample[],
  criterion: CalibrationCriterion,
): ThresholdChoice {
  const inScope = samples.filter((s) => s.gold !== OOS_INTENT);
  const oos = samples.filter((s) => s.gold === OOS_INTENT);
  const candidates = [
    0,
    ...new Set(samples.map((s) => s.ranking.ranked[0]?.score ?? 0).filter((v) => v > 0)),
  ].sort((a, b) => a - b);
  let best: ThresholdChoice & { objective: number } = {
    threshold: 0,
    inScopeAccuracy: 0,
    oosRecall: 0,
    objective: -Infinity,
  };
  for (const threshold of candidates) {
    const correct = inScope.filter((s) => decide(s.ranking, threshold) === s.gold).length;
    const rejected = oos.filter((s) => decide(s.ranking, threshold) === null).length;
    const inScopeAccuracy = inScope.length > 0 ? correct / inScope.length : 0;
    const oosRecall = oos.length > 0 ? rejected / oos.length : 0;
    const objective =
      criterion.kind === 'expected'
        ? (1 - criterion.oosShare) * inScopeAccuracy + criterion.oosShare * oosRecall
        : oos.length === 0 || oosRecall >= criterion.min
          ? inScopeAccuracy
          : -Infinity;
    // Strictly greater: among equal objectives the lowest threshold wins (answers more).
    if (objective > best.objective) best = { threshold, inScopeAccuracy, oosRecall, objective };
  }
  return {
    threshold: best.threshold,
    inScopeAccuracy: best.inScopeAccuracy,
    oosRecall: best.oosRecall,
  };
}
