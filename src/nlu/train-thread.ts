/**
 * Entry point of the training thread: trains one locale's model off the main event loop, so a
 * worker process keeps answering customers (with the old model) while a new one is built.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { trainIntentModel, type LabeledUtterance } from '../../intents/index.ts';

/** What the thread is started with. */
export interface TrainThreadInput {
  locale: string;
  train: LabeledUtterance[];
  /** Corpus folder for the out-of-scope examples; undefined = the shipped corpus. */
  corpusDir: string | undefined;
  /** Collected negatives, trained as the `oos` class (absent: none). */
  negatives?: readonly string[] | undefined;
  /** Target answer precision of the calibration (absent: the default, 0.95). */
  targetPrecision?: number | undefined;
}

const input = workerData as TrainThreadInput;
const model = await trainIntentModel({
  locale: input.locale,
  train: input.train,
  options: {
    ...(input.corpusDir === undefined ? {} : { corpusDir: input.corpusDir }),
    ...(input.negatives === undefined ? {} : { negatives: input.negatives }),
    ...(input.targetPrecision === undefined
      ? {}
      : { criterion: { kind: 'precision', target: input.targetPrecision } }),
  },
});
parentPort?.postMessage(model.toJSON());
