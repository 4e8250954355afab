/**
 * Contracts of the intent layer. The core sees only these shapes; node-nlp and our own
 * classifier sit behind them.
 */
import type { SerializedVectorizer } from './features.ts';
import type { SerializedLinear } from './linear.ts';
import type { SerializedNeural } from './neural.ts';

/** The label that marks out-of-scope examples in training/calibration data. */
export const OOS_INTENT = 'oos';

/** One training or calibration example. */
export interface LabeledUtterance {
  text: string;
  intent: string;
}

/** A scored intent. */
export interface ScoredIntent {
  intent: string;
  score: number;
}

/** Sentiment of an utterance; `score` is in -1..1. */
export interface Sentiment {
  score: number;
  label: 'positive' | 'neutral' | 'negative';
}

/**
 * What the bot should do with an utterance: `answer` (at or above the calibrated answer
 * threshold), `clarify` (ask "did you mean …?" with `candidates`), `handover` (to a person).
 */
export type Band = 'answer' | 'clarify' | 'handover';

/** What the engine answers for one utterance. */
export interface Classification {
  /** Best intent when `band` is `answer`, else null (not confident enough to answer). */
  intent: string | null;
  /** Answer, clarify or hand over, by the model's two calibrated thresholds. */
  band: Band;
  /** The best in-scope intents, at most 3, best first (the "did you mean" choices). */
  candidates: ScoredIntent[];
  /** Confidence of the best in-scope intent, 0..1 (also reported when `intent` is null). */
  score: number;
  /** Locale of the model that classified the text ('en', 'zh', ...). */
  locale: string;
  sentiment: Sentiment;
  /** Next best in-scope intents, at most 3, best first. */
  runnersUp: ScoredIntent[];
}

/** Classification by one locale's model, before sentiment is added. */
export type ModelClassification = Omit<Classification, 'sentiment'>;

/** Raw ranking, before the threshold: what calibration and benchmarks sweep over. */
export interface IntentRanking {
  /** In-scope intents, best first (all of them). */
  ranked: ScoredIntent[];
  /** Score of the explicit out-of-scope class (0 when none was trained). */
  oosScore: number;
}

/** A trained, immutable classifier for one locale. */
export interface IntentModel {
  readonly locale: string;
  /** Answer threshold, calibrated at training time and stored with the model. */
  readonly threshold: number;
  /** Lower threshold of the "did you mean" band (= threshold when there is no band). */
  readonly clarifyThreshold: number;
  /** How the thresholds were chosen and what they are expected to give. */
  readonly calibration: CalibrationReport;
  /** Intents the model knows (without the out-of-scope class). */
  readonly intents: readonly string[];
  classify(text: string): ModelClassification;
  rank(text: string): IntentRanking;
  /** Plain JSON (no typed arrays, no classes), for caching in MongoDB, Redis or on disk. */
  toJSON(): SerializedIntentModel;
}

/** How the ensemble was put together; stored with the model. */
export interface EnsembleSettings {
  /** Weight of node-nlp's network in the score mix; the TF-IDF softmax gets 1 - this. */
  neuralWeight: number;
}

/**
 * Calibration outcome, kept in the model for audit. The figures are measured on the held-out
 * predictions the thresholds were chosen on (k-fold over the training data, the out-of-scope
 * corpus and the collected negatives; or the given calibration set).
 */
export interface CalibrationReport {
  method: 'given' | 'k-fold';
  criterion: string;
  examples: number;
  outOfScopeExamples: number;
  /** Of them, collected negatives (questions the knowledge base does not cover). */
  negativeExamples: number;
  inScopeAccuracy: number;
  oosRecall: number;
  /** Answer precision expected at the threshold: right answers / answers. Null: unknown. */
  expectedPrecision: number | null;
  /** Share of the held-out questions answered at the threshold. */
  answerRate: number | null;
  /** Share of held-out questions in the clarify band, and how often its top 3 held the right one. */
  clarifyRate: number | null;
  clarifyPrecision: number | null;
}

/** JSON form of an IntentModel. `version` guards against loading an incompatible cache. */
export interface SerializedIntentModel {
  version: 2;
  locale: string;
  threshold: number;
  clarifyThreshold: number;
  ensemble: EnsembleSettings;
  calibration: CalibrationReport;
  vectorizer: SerializedVectorizer;
  linear: SerializedLinear;
  neural: SerializedNeural | null;
}
