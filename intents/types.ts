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

/** What the engine answers for one utterance. */
export interface Classification {
  /** Best intent, or null when out of scope (below the model's calibrated threshold). */
  intent: string | null;
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
  /** Out-of-scope threshold, calibrated at training time and stored with the model. */
  readonly threshold: number;
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

/** Calibration outcome, kept in the model for audit. */
export interface CalibrationReport {
  method: 'given' | 'k-fold';
  criterion: string;
  examples: number;
  outOfScopeExamples: number;
  inScopeAccuracy: number;
  oosRecall: number;
}

/** JSON form of an IntentModel. `version` guards against loading an incompatible cache. */
export interface SerializedIntentModel {
  version: 1;
  locale: string;
  threshold: number;
  ensemble: EnsembleSettings;
  calibration: CalibrationReport;
  vectorizer: SerializedVectorizer;
  linear: SerializedLinear;
  neural: SerializedNeural | null;
}
