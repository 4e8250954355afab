/**
 * NLU benchmark: our intent model against plain node-nlp, on JSON Lines {"text","intent"} files.
 *
 *   npm run bench:nlu -- --train <train.jsonl> --val <val.jsonl> --test <eval.jsonl>
 *   npm run bench:nlu -- --kb --train <train.jsonl> --test <eval.jsonl> [--oos-train <jsonl>]
 *
 * --kb trains exactly as the product trains a knowledge base: the built-in conversational
 * intents added, the shipped out-of-scope corpus, k-fold calibration with the default criterion,
 * no calibration file. --oos-train adds collected negatives (every line's text, as `oos`).
 *
 * Each model is trained and evaluated in its own child process so that its peak RSS is its own.
 * Calibration: on --val when it is a different file from --test; otherwise (no honest val split,
 * e.g. test = val) on a stratified share (--cal-share, default 0.15) carved out of --train, and
 * both models then train on the rest. The last stdout line is one JSON object (see report()).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nlp from 'node-nlp';
import {
  CLARIFY_CANDIDATES,
  OOS_INTENT,
  loadConversationalIntents,
  trainIntentModel,
} from '../intents/index.ts';
import type { CalibrationCriterion, LabeledUtterance, TrainOptions } from '../intents/index.ts';
import {
  answerMetrics,
  coverageAtPrecision,
  inScopeAccuracy,
  oosRecall,
  oracleSelfService,
  percentile,
} from '../intents/metrics.ts';
import type { AnswerMetrics, EvaluatedQuery } from '../intents/metrics.ts';
import { seededRandom, shuffled } from '../intents/random.ts';

interface Metrics extends AnswerMetrics {
  inScopeAccuracy: number;
  oosRecall: number | null;
  coverageAt98: number;
  /** selfService at answer precision >= 0.95 with the threshold chosen on the test set itself. */
  oracleSelfServiceAt95: number;
  trainSeconds: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
}

const { values: args } = parseArgs({
  options: {
    train: { type: 'string' },
    val: { type: 'string' },
    test: { type: 'string' },
    dataset: { type: 'string' },
    locale: { type: 'string', default: 'en' },
    'cal-share': { type: 'string', default: '0.15' },
    holdout: { type: 'string' },
    seed: { type: 'string', default: '1' },
    role: { type: 'string' },
    'skip-baseline': { type: 'boolean', default: false },
    refit: { type: 'boolean', default: false },
    'neural-weight': { type: 'string' },
    'neural-iterations': { type: 'string' },
    epochs: { type: 'string' },
    'learning-rate': { type: 'string' },
    'min-oos-recall': { type: 'string' },
    'oos-share': { type: 'string' },
    'max-per-intent': { type: 'string' },
    kb: { type: 'boolean', default: false },
    'oos-train': { type: 'string' },
    'target-precision': { type: 'string' },
    'clarify-precision': { type: 'string' },
    folds: { type: 'string' },
    l2: { type: 'string' },
  },
  allowPositionals: false,
});

function readJsonl(path: string): LabeledUtterance[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const row = JSON.parse(line) as { text?: unknown; intent?: unknown };
      if (typeof row.text !== 'string' || typeof row.intent !== 'string') {
        throw new TypeError(`${path}: every line needs string "text" and "intent"`);
      }
      return { text: row.text, intent: row.intent };
    });
}

/** Stratified split: `share` of every intent's examples (at least one) go to the second part. */
function carve(
  data: readonly LabeledUtterance[],
  share: number,
  seed: number,
): [LabeledUtterance[], LabeledUtterance[]] {
  const byIntent = new Map<string, LabeledUtterance[]>();
  for (const u of data) byIntent.set(u.intent, [...(byIntent.get(u.intent) ?? []), u]);
  const random = seededRandom(seed);
  const rest: LabeledUtterance[] = [];
  const held: LabeledUtterance[] = [];
  for (const intent of [...byIntent.keys()].sort()) {
    const items = shuffled(byIntent.get(intent) ?? [], random);
    const n = Math.max(1, Math.round(items.length * share));
    held.push(...items.slice(0, n));
    rest.push(...items.slice(n));
  }
  return [rest, held];
}

/** Keeps at most `n` examples per intent (seeded), to measure the few-utterances regime. */
function capPerIntent(data: readonly LabeledUtterance[], n: number, seed: number) {
  const counts = new Map<string, number>();
  return shuffled(data, seededRandom(seed)).filter((u) => {
    const c = counts.get(u.intent) ?? 0;
    counts.set(u.intent, c + 1);
    return c < n;
  });
}

interface Splits {
  train: LabeledUtterance[];
  calibration: LabeledUtterance[];
  test: LabeledUtterance[];
  /**
   * True when `calibration` was carved out of the full --train: the baseline, which needs no
   * calibration data, then trains on both. False with --val or --max-per-intent (same data).
   */
  carved: boolean;
  note: string;
}

function splits(): Splits {
  if (args.train === undefined || (args.test === undefined) === (args.holdout === undefined)) {
    throw new Error(
      'usage: bench/nlu.ts --train <jsonl> [--val <jsonl>] (--test <jsonl> | --holdout <share>)',
    );
  }
  const seed = Number(args.seed);
  let train = readJsonl(args.train);
  let test: LabeledUtterance[];
  let note = '';
  if (args.test === undefined) {
    // No test file (BANKING77 here): a stratified share of --train becomes the test split, with
    // a different seed from the calibration carve so the two draws are independent.
    const share = Number(args.holdout);
    [train, test] = carve(train, share, seed + 1000);
    note = `test = a stratified ${share} of ${args.train} (seed ${seed + 1000}); `;
  } else {
    test = readJsonl(args.test);
  }
  let calibration: LabeledUtterance[];
  let carved = false;
  if (args.kb === true) {
    // The knowledge-base path: no calibration file; the model calibrates on k-fold predictions.
    calibration = [];
    note += 'knowledge-base mode: k-fold calibration over the training data, no calibration file';
  } else if (
    args.val !== undefined &&
    args.test !== undefined &&
    resolve(args.val) !== resolve(args.test)
  ) {
    calibration = readJsonl(args.val);
    note += `calibration on ${args.val}`;
  } else {
    const share = Number(args['cal-share']);
    [train, calibration] = carve(train, share, seed);
    carved = true;
    note += `calibration on a stratified ${share} of the training data (seed ${seed}), training on the rest`;
  }
  if (args['max-per-intent'] !== undefined) {
    train = capPerIntent(train, Number(args['max-per-intent']), seed);
    note += `; training capped at ${args['max-per-intent']} per intent (both models)`;
    carved = false;
  }
  return { train, calibration, test, carved, note };
}

/** The collected negatives of --oos-train: every line's text, whatever its intent. */
function negatives(): string[] {
  return args['oos-train'] === undefined ? [] : readJsonl(args['oos-train']).map((u) => u.text);
}

function trainOptions(): TrainOptions {
  // The knowledge-base mode keeps the product's defaults, its out-of-scope corpus included.
  const options: TrainOptions = args.kb === true ? {} : { corpusDir: null };
  const extra = negatives();
  if (extra.length > 0) options.negatives = extra;
  if (args.folds !== undefined) options.folds = Number(args.folds);
  if (args.l2 !== undefined) options.l2 = Number(args.l2);
  if (args['clarify-precision'] !== undefined) {
    options.clarifyPrecision = Number(args['clarify-precision']);
  }
  if (args['neural-weight'] !== undefined) options.neuralWeight = Number(args['neural-weight']);
  if (args['neural-iterations'] !== undefined) {
    options.neuralIterations = Number(args['neural-iterations']);
  }
  if (args.refit === true) options.refit = true;
  if (args.epochs !== undefined) options.epochs = Number(args.epochs);
  if (args['learning-rate'] !== undefined) options.learningRate = Number(args['learning-rate']);
  if (args['min-oos-recall'] !== undefined) {
    const criterion: CalibrationCriterion = {
      kind: 'minOosRecall',
      min: Number(args['min-oos-recall']),
    };
    options.criterion = criterion;
  } else if (args['oos-share'] !== undefined) {
    options.criterion = { kind: 'expected', oosShare: Number(args['oos-share']) };
  } else if (args['target-precision'] !== undefined) {
    options.criterion = { kind: 'precision', target: Number(args['target-precision']) };
  }
  return options;
}

type BandedQuery = EvaluatedQuery & { clarify?: boolean; clarifyHit?: boolean };

function summarize(queries: BandedQuery[], latencies: number[], trainSeconds: number): Metrics {
  const round = (v: number, d = 4): number => Math.round(v * 10 ** d) / 10 ** d;
  const recall = oosRecall(queries);
  const felt = answerMetrics(queries);
  return {
    answerPrecision: round(felt.answerPrecision),
    selfService: round(felt.selfService),
    wrongAnswersPer100: round(felt.wrongAnswersPer100, 2),
    clarifyRate: round(felt.clarifyRate),
    clarifyHitRate: felt.clarifyHitRate === null ? null : round(felt.clarifyHitRate),
    inScopeAccuracy: round(inScopeAccuracy(queries)),
    oosRecall: recall === null ? null : round(recall),
    coverageAt98: round(coverageAtPrecision(queries, 0.98)),
    oracleSelfServiceAt95: round(oracleSelfService(queries, 0.95)),
    trainSeconds: round(trainSeconds, 2),
    p50Ms: round(percentile(latencies, 50), 4),
    p99Ms: round(percentile(latencies, 99), 4),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
  };
}

/** Warms the JIT on a few queries so latency reflects a running server, not the first call. */
const WARMUP = 200;

interface OursExtra {
  threshold: number;
  clarifyThreshold: number;
  expectedPrecision: number | null;
}

async function runOurs(s: Splits): Promise<Metrics & OursExtra> {
  const locale = args.locale ?? 'en';
  const t0 = performance.now();
  const model = await trainIntentModel(
    args.kb === true
      ? // As src/nlu/training-set.ts builds it: the articles' questions + conversational intents.
        {
          locale,
          train: [...s.train, ...loadConversationalIntents(locale)],
          options: trainOptions(),
        }
      : { locale, train: s.train, calibration: s.calibration, options: trainOptions() },
  );
  const trainSeconds = (performance.now() - t0) / 1000;
  for (const u of s.test.slice(0, WARMUP)) model.classify(u.text);
  const latencies: number[] = [];
  const queries: BandedQuery[] = s.test.map((u) => {
    const start = performance.now();
    const result = model.classify(u.text);
    latencies.push(performance.now() - start);
    const ranking = model.rank(u.text);
    const best = ranking.ranked[0];
    const answers = best !== undefined && best.score > ranking.oosScore;
    return {
      gold: u.intent,
      predicted: result.intent,
      candidate: answers ? best.intent : null,
      score: best?.score ?? 0,
      clarify: result.band === 'clarify',
      clarifyHit:
        result.band === 'clarify' &&
        result.candidates.slice(0, CLARIFY_CANDIDATES).some((c) => c.intent === u.intent),
    };
  });
  return {
    ...summarize(queries, latencies, trainSeconds),
    threshold: model.threshold,
    clarifyThreshold: model.clarifyThreshold,
    expectedPrecision: model.calibration.expectedPrecision,
  };
}

/** Plain node-nlp: NlpManager with default settings; its default threshold 0.5 -> None = oos. */
async function runBaseline(s: Splits): Promise<Metrics> {
  const manager = new nlp.NlpManager({
    languages: [args.locale ?? 'en'],
    autoSave: false,
    autoLoad: false,
    nlu: { log: false },
  });
  // node-nlp needs no calibration data, so it gets all of --train. It has no out-of-scope class:
  // out-of-scope is what falls below its threshold.
  for (const u of s.carved ? [...s.train, ...s.calibration] : s.train) {
    if (u.intent !== OOS_INTENT) manager.addDocument(args.locale ?? 'en', u.text, u.intent);
  }
  const t0 = performance.now();
  await manager.train();
  const trainSeconds = (performance.now() - t0) / 1000;
  for (const u of s.test.slice(0, WARMUP)) await manager.process(args.locale ?? 'en', u.text);
  const latencies: number[] = [];
  const queries: EvaluatedQuery[] = [];
  for (const u of s.test) {
    const start = performance.now();
    const result = await manager.process(args.locale ?? 'en', u.text);
    latencies.push(performance.now() - start);
    const top = result.classifications?.[0];
    const candidate = top === undefined || top.intent === 'None' ? null : top.intent;
    queries.push({
      gold: u.intent,
      predicted: result.intent === 'None' ? null : result.intent,
      candidate,
      score: top?.score ?? 0,
    });
  }
  return summarize(queries, latencies, trainSeconds);
}

/** Runs one role in a child process and returns the JSON of its last stdout line. */
function child(role: 'ours' | 'baseline'): Promise<Record<string, unknown>> {
  const argv = process.argv
    .slice(2)
    .filter((a, i, all) => a !== '--role' && all[i - 1] !== '--role');
  return new Promise((done, fail) => {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), ...argv, '--role', role],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    proc.on('error', fail);
    proc.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) {
        fail(new Error(`${role} exited with ${String(code)}`));
        return;
      }
      done(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

async function main(): Promise<void> {
  const role = args.role;
  if (role === 'ours' || role === 'baseline') {
    const s = splits();
    const metrics = role === 'ours' ? await runOurs(s) : await runBaseline(s);
    process.stdout.write(`${JSON.stringify(metrics)}\n`);
    return;
  }
  const s = splits();
  const dataset = args.dataset ?? basename(dirname(resolve(args.train ?? '.')));
  const load = loadavg()[0]?.toFixed(2) ?? '?';
  process.stdout.write(
    `${JSON.stringify({ dataset, train: s.train.length, calibration: s.calibration.length, test: s.test.length, note: s.note, loadAvg1mAtStart: load })}\n`,
  );
  // Sequential, never in parallel: two models would fight over the two cores and skew timings.
  const ours = await child('ours');
  const { threshold, clarifyThreshold, expectedPrecision, ...oursMetrics } = ours;
  process.stdout.write(
    `${JSON.stringify({ model: 'switchboard', threshold, clarifyThreshold, expectedPrecision, ...oursMetrics })}\n`,
  );
  const baseline = args['skip-baseline'] ? null : await child('baseline');
  if (baseline !== null) {
    process.stdout.write(`${JSON.stringify({ model: 'node-nlp', threshold: 0.5, ...baseline })}\n`);
  }
  process.stdout.write(`${JSON.stringify({ loadAvg1mAtEnd: loadavg()[0]?.toFixed(2) ?? '?' })}\n`);
  process.stdout.write(
    `${JSON.stringify({ dataset, threshold, clarifyThreshold, expectedPrecision, ...oursMetrics, baseline })}\n`,
  );
}

await main();
