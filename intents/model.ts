/**
 * The trained model of one locale: TF-IDF softmax and node-nlp's network, mixed. Immutable once
 * built, so a reference to it can be swapped atomically while other code classifies.
 */
import { band, CLARIFY_CANDIDATES, decide } from './calibrate.ts';
import { Vectorizer } from './features.ts';
import { LinearModel } from './linear.ts';
import { NeuralModel } from './neural.ts';
import { OOS_INTENT } from './types.ts';
import type {
  CalibrationReport,
  EnsembleSettings,
  IntentModel,
  IntentRanking,
  ModelClassification,
  SerializedIntentModel,
} from './types.ts';

/** The parts a model is made of (what training produces and JSON restores). */
export interface ModelParts {
  locale: string;
  threshold: number;
  clarifyThreshold: number;
  ensemble: EnsembleSettings;
  calibration: CalibrationReport;
  vectorizer: Vectorizer;
  linear: LinearModel;
  neural: NeuralModel | null;
}

/** IntentModel implementation over a linear/neural ensemble. */
export class EnsembleIntentModel implements IntentModel {
  readonly locale: string;
  readonly threshold: number;
  readonly clarifyThreshold: number;
  readonly calibration: CalibrationReport;
  readonly intents: readonly string[];

  constructor(private readonly parts: ModelParts) {
    this.locale = parts.locale;
    this.threshold = parts.threshold;
    this.clarifyThreshold = Math.min(parts.clarifyThreshold, parts.threshold);
    this.calibration = parts.calibration;
    this.intents = parts.linear.classes.filter((c) => c !== OOS_INTENT);
  }

  /** Same model with other thresholds (calibration builds the model before it knows them). */
  withThresholds(
    threshold: number,
    clarifyThreshold: number,
    calibration: CalibrationReport,
  ): EnsembleIntentModel {
    return new EnsembleIntentModel({ ...this.parts, threshold, clarifyThreshold, calibration });
  }

  rank(text: string): IntentRanking {
    const { linear, neural, vectorizer, ensemble } = this.parts;
    const p = linear.predict(vectorizer.transform(text));
    const nn = neural === null ? null : neural.predict(text);
    const w = nn === null ? 0 : ensemble.neuralWeight;
    let oosScore = 0;
    const ranked: IntentRanking['ranked'] = [];
    linear.classes.forEach((intent, j) => {
      const score = (1 - w) * (p[j] ?? 0) + w * (nn?.get(intent) ?? 0);
      if (intent === OOS_INTENT) oosScore = score;
      else ranked.push({ intent, score });
    });
    // Ties broken by name so equal scores rank the same way on every run.
    ranked.sort((a, b) => b.score - a.score || (a.intent < b.intent ? -1 : 1));
    return { ranked, oosScore };
  }

  classify(text: string): ModelClassification {
    const ranking = this.rank(text);
    const intent = decide(ranking, this.threshold);
    return {
      intent,
      band: band(ranking, this.threshold, this.clarifyThreshold),
      candidates: ranking.ranked.slice(0, CLARIFY_CANDIDATES),
      score: ranking.ranked[0]?.score ?? 0,
      locale: this.locale,
      runnersUp: ranking.ranked.slice(1, 4),
    };
  }

  toJSON(): SerializedIntentModel {
    const { parts } = this;
    return {
      version: 2,
      locale: parts.locale,
      threshold: parts.threshold,
      clarifyThreshold: parts.clarifyThreshold,
      ensemble: parts.ensemble,
      calibration: parts.calibration,
      vectorizer: parts.vectorizer.toJSON(),
      linear: parts.linear.toJSON(),
      neural: parts.neural === null ? null : parts.neural.toJSON(),
    };
  }
}

/** Error thrown when a cached model was written by an incompatible version. */
export class IntentModelFormatError extends Error {
  readonly code = 'SB_ERR_INTENT_MODEL_FORMAT';
}

/** What version 1 (before the clarify band and answer precision) stored. */
type SerializedV1 = Omit<SerializedIntentModel, 'version' | 'clarifyThreshold' | 'calibration'> & {
  version: 1;
  calibration: Omit<
    CalibrationReport,
    'negativeExamples' | 'expectedPrecision' | 'answerRate' | 'clarifyRate' | 'clarifyPrecision'
  >;
};

/**
 * Version 1 models (cached before issue 17) still load: no clarify band, precision unknown. The
 * gateway retrains them anyway (the training recipe is part of the cache key).
 */
function upgrade(json: SerializedIntentModel | SerializedV1): SerializedIntentModel {
  if (json.version === 2) return json;
  return {
    ...json,
    version: 2,
    clarifyThreshold: json.threshold,
    calibration: {
      ...json.calibration,
      negativeExamples: 0,
      expectedPrecision: null,
      answerRate: null,
      clarifyRate: null,
      clarifyPrecision: null,
    },
  };
}

/** Restores a model from `IntentModel.toJSON()` output (e.g. read back from a cache). */
export function loadIntentModel(stored: SerializedIntentModel | SerializedV1): IntentModel {
  const version = (stored as { version: unknown }).version;
  if (version !== 1 && version !== 2) {
    throw new IntentModelFormatError(`unsupported intent model version ${String(version)}`);
  }
  const json = upgrade(stored);
  return new EnsembleIntentModel({
    locale: json.locale,
    threshold: json.threshold,
    clarifyThreshold: json.clarifyThreshold,
    ensemble: json.ensemble,
    calibration: json.calibration,
    vectorizer: Vectorizer.fromJSON(json.vectorizer),
    linear: LinearModel.fromJSON(json.linear),
    neural: json.neural === null ? null : NeuralModel.fromJSON(json.neural),
  });
}
