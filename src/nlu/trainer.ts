/**
 * Runs training in a worker thread. The thread loads the TypeScript sources through tsx's loader,
 * as the process itself does (there is no build step).
 */
import { Worker } from 'node:worker_threads';
import type { SerializedIntentModel } from '../../intents/index.ts';
import type { TrainThreadInput } from './train-thread.ts';

/** Trains a model for one locale; resolves with its JSON form. */
export type Trainer = (input: TrainThreadInput) => Promise<SerializedIntentModel>;

const THREAD = new URL('./train-thread.ts', import.meta.url);
const TSX_API = import.meta.resolve('tsx/esm/api');
// A worker's entry file is loaded before any --import of its execArgv could register tsx (Node
// 20), so the thread starts from this bootstrap, which registers the loader and then imports it.
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD.href)}); });`;

/** The default trainer: one short-lived thread per training. */
export const threadTrainer: Trainer = (input) =>
  new Promise<SerializedIntentModel>((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: input });
    let settled = false;
    worker.once('message', (model: SerializedIntentModel) => {
      settled = true;
      resolve(model);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled)
        reject(new Error(`training thread exited with code ${code} before sending a model`));
    });
  });
