/**
 * trainIntentModel: plain labelled utterances in, a calibrated IntentModel out. CPU-bound and
 * pure (no I/O except reading the optional out-of-scope corpus): callers run it off the HTTP path.
 */
import {
  DEFAULT_CLARIFY_PRECISION,
  DEFAULT_CRITERION,
  DEFAULT_TARGET_PRECISION,
  chooseClarifyThreshold,
  chooseThreshold,
  criterionName,
} from './calibrate.ts';
import type { CalibrationCriterion, CalibrationSample } from './calibrate.ts';
import { loadOutOfScope } from './corpus.ts';
import { Vectorizer } from './features.ts';
import type { FeatureSettings } from './features.ts';
import { LinearModel } from './linear.ts';
import { EnsembleIntentModel } from './model.ts';
import { NeuralModel } from './neural.ts';
import { seededRandom, shuffled } from './random.ts';
import { OOS_INTENT } from './types.ts';
import type { CalibrationReport, IntentModel, LabeledUtterance } from './types.ts';

/** Tuning knobs; every one has a measured default (see docs/benchmarks-nlu.md). */
export interface TrainOptions {
  /**
   * Weight of node-nlp's network in the score mix, 0..1; 0 skips training it. Default 0.2 up to
   * NEURAL_MAX_UTTERANCES utterances, 0 above. On few utterances per intent it helps (CLINC150
   * at 10 per intent: in-scope 77.9 % vs 75.5 %, coverage at 98 % precision 39 % vs 36 %);
   * on large corpora it needs minutes of epochs to help at all (15 epochs on CLINC150: 22 s and
   * worse accuracy), which the 60 s training budget does not allow.
   */
  neuralWeight?: number;
  /** Epoch cap for node-nlp's network (its default stop rule is disabled). Default 100. */
  neuralIterations?: number;
  /** Minimum SGD epochs of the softmax model. Default 10. */
  epochs?: number;
  /** Small corpora get more epochs so that at least this many SGD steps are taken. */
  minSteps?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
  /** Character n-gram lengths (inclusive). Default 3..5. */
  charMin?: number;
  charMax?: number;
  /** Minimum document frequency of a feature; default 2 from 2,000 utterances up, else 1. */
  minDf?: number;
  /** Folds for calibration when no calibration set is given. Default 3. */
  folds?: number;
  /**
   * How many of the folds are held out and predicted (each costs one training). Default: all of
   * them below LARGE_CORPUS utterances, 1 from there (one third of 10,000+ utterances is plenty
   * to calibrate on, and all three folds of CLINC150 took 64–69 s, over the 60 s budget).
   */
  heldOutFolds?: number;
  /** How the answer threshold is chosen; default: most right answers at precision >= 0.95. */
  criterion?: CalibrationCriterion;
  /**
   * How often the top three candidates of a "did you mean" must hold the right intent (on the
   * held-out predictions) for the clarify band; default 0.9, or the criterion's target precision
   * when that is lower. Above 1: no clarify band.
   */
  clarifyPrecision?: number;
  /**
   * Collected negatives: customers' questions the knowledge base does not cover (escalations an
   * agent answered from outside it, answers the customer said did not help). Trained as the `oos`
   * class in addition to the out-of-scope corpus, and part of the k-fold calibration.
   */
  negatives?: readonly string[];
  /**
   * Extra out-of-scope examples, trained as the `oos` class. When omitted and no calibration set
   * is given, `intents/corpus/out-of-scope.<locale>.txt` is read (if present).
   */
  outOfScope?: string[];
  /**
   * With a calibration set: after choosing the threshold, retrain on training + calibration data
   * and keep that threshold (more data for the final model, twice the training time).
   */
  refit?: boolean;
  /** Folder of the corpus files; null disables reading them. */
  corpusDir?: string | null;
}

/** Input of trainIntentModel. */
export interface TrainInput {
  locale: string;
  /** Labelled utterances; intent `oos` marks out-of-scope examples (trained as a class). */
  train: LabeledUtterance[];
  /** Held-out examples to choose the threshold on; may contain `oos`. */
  calibration?: LabeledUtterance[];
  options?: TrainOptions;
}

/** From this many utterances, k-fold calibration predicts one fold only (see heldOutFolds). */
export const LARGE_CORPUS = 10_000;

/** Above this many utterances node-nlp's network is left out by default (see neuralWeight). */
export const NEURAL_MAX_UTTERANCES = 5000;

export interface ResolvedSettings {
  features: FeatureSettings;
  neuralWeight: number;
  neuralIterations: number;
  epochs: number;
  minSteps: number;
  learningRate: number;
  l2: number;
  seed: number;
}

/** Settings for a corpus of `size` utterances (fold models use the whole corpus's settings). */
export function resolve(options: TrainOptions, size: number): ResolvedSettings {
  return {
    features: {
      charMin: options.charMin ?? 3,
      charMax: options.charMax ?? 5,
      minDf: options.minDf ?? (size >= 2000 ? 2 : 1),
    },
    neuralWeight: options.neuralWeight ?? (size <= NEURAL_MAX_UTTERANCES ? 0.2 : 0),
    neuralIterations: options.neuralIterations ?? 100,
    epochs: options.epochs ?? 10,
    minSteps: options.minSteps ?? 20000,
    learningRate: options.learningRate ?? 1,
    l2: options.l2 ?? 0,
    seed: options.seed ?? 1,
  };
}

/** Trains both classifiers on `data` and returns an (uncalibrated, threshold 0) model. */
export function fit(
  locale: string,
  data: readonly LabeledUtterance[],
  s: ResolvedSettings,
): EnsembleIntentModel {
  const texts = data.map((u) => u.text);
  const vectorizer = Vectorizer.fit(texts, locale, s.features);
  const classes = [...new Set(data.map((u) => u.intent))].sort();
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const epochs = Math.min(300, Math.max(s.epochs, Math.ceil(s.minSteps / data.length)));
  const linear = LinearModel.train(
    texts.map((t) => vectorizer.transform(t)),
    data.map((u) => classIndex.get(u.intent) ?? 0),
    classes,
    vectorizer.size,
    { epochs, learningRate: s.learningRate, l2: s.l2, seed: s.seed },
  );
  const neural =
    s.neuralWeight > 0
      ? NeuralModel.train(
          texts,
          data.map((u) => u.intent),
          locale,
          // deltaErrorThresh 0: stop on the iteration cap only (see NOTES.md on early stops).
          { iterations: s.neuralIterations, deltaErrorThresh: 0 },
        )
      : null;
  const calibration: CalibrationReport = {
    method: 'given',
    criterion: 'none',
    examples: 0,
    outOfScopeExamples: 0,
    negativeExamples: 0,
    inScopeAccuracy: 0,
    oosRecall: 0,
    expectedPrecision: null,
    answerRate: null,
    clarifyRate: null,
    clarifyPrecision: null,
  };
  return new EnsembleIntentModel({
    locale,
    threshold: 0,
    clarifyThreshold: 0,
    ensemble: { neuralWeight: neural === null ? 0 : s.neuralWeight },
    calibration,
    vectorizer,
    linear,
    neural,
  });
}

/**
 * Stratified k folds: every intent's utterances are dealt round-robin after a seeded shuffle.
 * Exported with `resolve` and `fit` so that bench/nlu-calibration.ts rebuilds the very fold models
 * the k-fold calibration uses.
 */
export function folds<T extends LabeledUtterance>(
  data: readonly T[],
  k: number,
  seed: number,
): T[][] {
  const out: T[][] = Array.from({ length: k }, () => []);
  const byIntent = new Map<string, T[]>();
  for (const u of data) byIntent.set(u.intent, [...(byIntent.get(u.intent) ?? []), u]);
  const random = seededRandom(seed);
  let next = 0;
  for (const intent of [...byIntent.keys()].sort()) {
    for (const u of shuffled(byIntent.get(intent) ?? [], random)) {
      out[next % k]?.push(u);
      next += 1;
    }
  }
  return out;
}

/** Lets pending I/O run between CPU-heavy steps when called on a busy event loop. */
const breathe = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Trains a calibrated model for one locale.
 *
 * Threshold: chosen on `calibration` when given; otherwise on k-fold held-out predictions over
 * the training data plus out-of-scope examples (knowledge-base case: few utterances per intent,
 * no separate calibration set), then the final model is trained on everything.
 */
export async function trainIntentModel(input: TrainInput): Promise<IntentModel> {
  const options = input.options ?? {};
  const criterion = options.criterion ?? DEFAULT_CRITERION;
  let extraOos: LabeledUtterance[] = [];
  if (options.outOfScope !== undefined) {
    extraOos = options.outOfScope.map((text) => ({ text, intent: OOS_INTENT }));
  } else if (input.calibration === undefined && options.corpusDir !== null) {
    extraOos = loadOutOfScope(input.locale, options.corpusDir);
  }
  const negatives = (options.negatives ?? []).map((text) => ({ text, intent: OOS_INTENT }));
  // Identity, not text: a negative that repeats a corpus line still counts once as a negative.
  const isNegative = new Set<LabeledUtterance>(negatives);
  const data = [...input.train, ...extraOos, ...negatives];
  if (data.length === 0) throw new RangeError('trainIntentModel needs at least one utterance');
  const settings = resolve(options, data.length);
  await breathe();

  let samples: Array<CalibrationSample & { negative: boolean }>;
  let method: CalibrationReport['method'];
  let model: EnsembleIntentModel;
  if (input.calibration !== undefined) {
    method = 'given';
    model = fit(input.locale, data, settings);
    samples = input.calibration.map((u) => ({
      gold: u.intent,
      ranking: model.rank(u.text),
      negative: false,
    }));
  } else {
    method = 'k-fold';
    const k = Math.max(2, options.folds ?? 3);
    const parts = folds(data, k, settings.seed);
    samples = [];
    const predicted = Math.min(k, options.heldOutFolds ?? (data.length >= LARGE_CORPUS ? 1 : k));
    for (let i = 0; i < predicted; i += 1) {
      const heldOut = parts[i] ?? [];
      const rest = parts.filter((_, j) => j !== i).flat();
      if (heldOut.length === 0 || rest.length === 0) continue;
      const foldModel = fit(input.locale, rest, settings);
      for (const u of heldOut) {
        samples.push({
          gold: u.intent,
          ranking: foldModel.rank(u.text),
          negative: isNegative.has(u),
        });
      }
      await breathe();
    }
    model = fit(input.locale, data, settings);
  }
  const choice = chooseThreshold(samples, criterion);
  const clarifyTarget =
    options.clarifyPrecision ??
    Math.min(
      DEFAULT_CLARIFY_PRECISION,
      criterion.kind === 'precision' ? criterion.target : DEFAULT_TARGET_PRECISION,
    );
  const clarify = chooseClarifyThreshold(samples, choice.threshold, clarifyTarget);
  if (method === 'given' && options.refit === true && input.calibration !== undefined) {
    await breathe();
    model = fit(input.locale, [...data, ...input.calibration], settings);
  }
  return model.withThresholds(choice.threshold, clarify.clarifyThreshold, {
    method,
    criterion: criterionName(criterion),
    examples: samples.length,
    outOfScopeExamples: samples.filter((s) => s.gold === OOS_INTENT).length,
    negativeExamples: samples.filter((s) => s.negative).length,
    inScopeAccuracy: choice.inScopeAccuracy,
    oosRecall: choice.oosRecall,
    expectedPrecision: choice.precision,
    answerRate: choice.answerRate,
    clarifyRate: clarify.rate,
    clarifyPrecision: clarify.rate > 0 ? clarify.precision : null,
  });
}
