/**
 * Threshold selection. A query is answered when its best in-scope score reaches the answer
 * threshold and beats the explicit out-of-scope class; between the clarify threshold and the
 * answer threshold the bot asks "did you mean …?" with its best candidates; below it, it hands
 * over. Calibration sweeps every distinct held-out score.
 */
import { OOS_INTENT } from './types.ts';
import type { Band, IntentRanking } from './types.ts';

/** One held-out example with the model's ranking for it. */
export interface CalibrationSample {
  gold: string;
  ranking: IntentRanking;
}

/**
 * What to optimize.
 *
 * `precision` (default, target 0.95) answers the most held-out questions right while the answers
 * given stay at least `target` precise: an answer to an out-of-scope question is a wrong answer.
 * A support bot's wrong answer costs more than a hand-over (the customer is misled and comes
 * back angrier), so precision is the constraint and coverage the objective.
 *
 * `minOosRecall` (the criterion before issue 17, min 0.6) maximizes in-scope accuracy among
 * thresholds that reject at least that share of the out-of-scope examples.
 *
 * `expected` maximizes the accuracy expected on traffic in which `oosShare` of the messages are
 * out of scope: (1 - oosShare) * in-scope accuracy + oosShare * oos recall.
 */
export type CalibrationCriterion =
  | { kind: 'precision'; target: number }
  | { kind: 'expected'; oosShare: number }
  | { kind: 'minOosRecall'; min: number };

/** Default target answer precision (setting NLU_TARGET_PRECISION in the gateway). */
export const DEFAULT_TARGET_PRECISION = 0.95;

/** The default criterion (see CalibrationCriterion). */
export const DEFAULT_CRITERION: CalibrationCriterion = {
  kind: 'precision',
  target: DEFAULT_TARGET_PRECISION,
};

/**
 * Default share of "did you mean" questions whose right intent must be among the candidates
 * (capped at the answer target). Lower than the answer target because a wrong "did you mean"
 * costs one turn ("none of these" goes to a person), a wrong answer misleads; 0.8 made the band
 * take 43 % of the seed knowledge base's held-out questions, 0.9 a more useful 13 %.
 */
export const DEFAULT_CLARIFY_PRECISION = 0.9;

/** How many candidates a "did you mean" offers (and a clarification counts as right with). */
export const CLARIFY_CANDIDATES = 3;

/** Human-readable name stored in the model's calibration report. */
export function criterionName(criterion: CalibrationCriterion): string {
  switch (criterion.kind) {
    case 'precision':
      return `most right answers with answer precision >= ${criterion.target}`;
    case 'expected':
      return `expected accuracy, oos share ${criterion.oosShare}`;
    case 'minOosRecall':
      return `max in-scope accuracy with oos recall >= ${criterion.min}`;
  }
}

/** Result of a sweep, as measured on the held-out samples. */
export interface ThresholdChoice {
  threshold: number;
  inScopeAccuracy: number;
  oosRecall: number;
  /** Right answers / answers given at the threshold (1 when nothing is answered). */
  precision: number;
  /** Answers given / all samples. */
  answerRate: number;
}

/** The decision rule shared by classification, calibration and the benchmark. */
export function decide(ranking: IntentRanking, threshold: number): string | null {
  const best = ranking.ranked[0];
  if (best === undefined || best.score < threshold || best.score <= ranking.oosScore) return null;
  return best.intent;
}

/**
 * The three bands: answer at or above `threshold` (see decide); ask "did you mean" when the best
 * in-scope score is at least `clarifyThreshold` and beats the out-of-scope class; else hand over.
 */
export function band(ranking: IntentRanking, threshold: number, clarifyThreshold: number): Band {
  if (decide(ranking, threshold) !== null) return 'answer';
  return decide(ranking, Math.min(clarifyThreshold, threshold)) !== null ? 'clarify' : 'handover';
}

function candidateThresholds(samples: readonly CalibrationSample[]): number[] {
  return [
    0,
    ...new Set(samples.map((s) => s.ranking.ranked[0]?.score ?? 0).filter((v) => v > 0)),
  ].sort((a, b) => a - b);
}

/** Above every score: nothing is answered. */
const NEVER = 1.000001;

/**
 * Picks the answer threshold on held-out samples. With no out-of-scope samples the recall
 * criteria reduce to in-scope accuracy, which is best when answering everything (threshold 0).
 *
 * With `precision`, when no threshold reaches the target the one with the highest precision
 * wins (ties: the one answering most), so a weak model still answers only its surest questions.
 */
export function chooseThreshold(
  samples: readonly CalibrationSample[],
  criterion: CalibrationCriterion,
): ThresholdChoice {
  const inScope = samples.filter((s) => s.gold !== OOS_INTENT);
  const oos = samples.filter((s) => s.gold === OOS_INTENT);
  let best: ThresholdChoice & { objective: number; tie: number } = {
    threshold: NEVER,
    inScopeAccuracy: 0,
    oosRecall: 1,
    precision: 1,
    answerRate: 0,
    objective: -Infinity,
    tie: -Infinity,
  };
  for (const threshold of candidateThresholds(samples)) {
    const correct = inScope.filter((s) => decide(s.ranking, threshold) === s.gold).length;
    const rejected = oos.filter((s) => decide(s.ranking, threshold) === null).length;
    const answered = samples.filter((s) => decide(s.ranking, threshold) !== null).length;
    const inScopeAccuracy = inScope.length > 0 ? correct / inScope.length : 0;
    const oosRecall = oos.length > 0 ? rejected / oos.length : 0;
    const precision = answered > 0 ? correct / answered : 1;
    let objective: number;
    let tie = 0;
    switch (criterion.kind) {
      case 'precision':
        // Reaching the target beats any miss; among those reaching it, more right answers win;
        // among those missing it, higher precision wins, then more right answers.
        objective = precision >= criterion.target ? 1 + correct : answered > 0 ? precision : -1;
        tie = precision >= criterion.target ? 0 : correct;
        break;
      case 'expected':
        objective = (1 - criterion.oosShare) * inScopeAccuracy + criterion.oosShare * oosRecall;
        break;
      case 'minOosRecall':
        objective = oos.length === 0 || oosRecall >= criterion.min ? inScopeAccuracy : -Infinity;
        break;
    }
    // Strictly greater: among equal objectives the lowest threshold wins (answers more).
    if (objective > best.objective || (objective === best.objective && tie > best.tie)) {
      const answerRate = samples.length > 0 ? answered / samples.length : 0;
      best = { threshold, inScopeAccuracy, oosRecall, precision, answerRate, objective, tie };
    }
  }
  const { objective: _objective, tie: _tie, ...choice } = best;
  return choice;
}

/** The clarify band chosen below an answer threshold. */
export interface ClarifyChoice {
  clarifyThreshold: number;
  /** Share of the band's questions whose right intent is among the top CLARIFY_CANDIDATES. */
  precision: number;
  /** Questions in the band / all samples. */
  rate: number;
}

/**
 * Picks the clarify threshold below `threshold`: the lowest one at which the questions in the
 * band [clarifyThreshold, threshold) have their right intent among the top three candidates at
 * least `target` of the time (an out-of-scope question in the band counts as a miss), i.e. the
 * widest band whose "did you mean" is right that often. No band (clarifyThreshold = threshold)
 * when even the narrowest misses the target.
 */
export function chooseClarifyThreshold(
  samples: readonly CalibrationSample[],
  threshold: number,
  target: number,
): ClarifyChoice {
  // Below the answer threshold, not beaten by the oos class: ordered by best score, high first.
  const below = samples
    .filter((s) => decide(s.ranking, threshold) === null && decide(s.ranking, 0) !== null)
    .map((s) => ({
      score: s.ranking.ranked[0]?.score ?? 0,
      hit:
        s.gold !== OOS_INTENT &&
        s.ranking.ranked.slice(0, CLARIFY_CANDIDATES).some((r) => r.intent === s.gold),
    }))
    .sort((a, b) => b.score - a.score);
  let hits = 0;
  let best: ClarifyChoice = { clarifyThreshold: threshold, precision: 1, rate: 0 };
  for (let i = 0; i < below.length; i += 1) {
    const q = below[i];
    if (q === undefined) break;
    if (q.hit) hits += 1;
    const next = below[i + 1];
    // Equal scores enter the band together.
    if (next !== undefined && next.score === q.score) continue;
    const precision = hits / (i + 1);
    if (precision >= target) {
      best = { clarifyThreshold: q.score, precision, rate: (i + 1) / samples.length };
    }
  }
  return best;
}
