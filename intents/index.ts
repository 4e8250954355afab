/**
 * Switchboard's intent layer: node-nlp behind our own interface. See docs/benchmarks-nlu.md for
 * how the model is built and how it measures against plain node-nlp.
 */
export { OOS_INTENT } from './types.ts';
export type {
  Band,
  CalibrationReport,
  Classification,
  EnsembleSettings,
  IntentModel,
  IntentRanking,
  LabeledUtterance,
  ModelClassification,
  ScoredIntent,
  Sentiment,
  SerializedIntentModel,
} from './types.ts';
export { trainIntentModel } from './train.ts';
export type { TrainInput, TrainOptions } from './train.ts';
export type { CalibrationCriterion } from './calibrate.ts';
export {
  CLARIFY_CANDIDATES,
  DEFAULT_CLARIFY_PRECISION,
  DEFAULT_CRITERION,
  DEFAULT_TARGET_PRECISION,
  band,
  decide,
} from './calibrate.ts';
export { loadIntentModel, IntentModelFormatError } from './model.ts';
export { detectLanguage } from './language.ts';
export { analyzeSentiment } from './sentiment.ts';
export { IntentEngine, MissingIntentModelError } from './engine.ts';
export type { IntentEngineOptions } from './engine.ts';
export { DEFAULT_CORPUS_DIR, loadConversationalIntents, loadOutOfScope } from './corpus.ts';
