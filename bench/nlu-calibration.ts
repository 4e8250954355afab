/**
 * Why the k-fold calibration expects another precision than a test set shows at the same threshold
 * (issue 17), and what other calibration rules would have chosen.
 *
 *   node --import tsx bench/nlu-calibration.ts --train <jsonl> --test <jsonl> \
 *     [--oos-train <jsonl>] [--reference <jsonl>] [--folds 3] [--l2 <x>] [--target-precision 0.95]
 *
 * Builds the training set as `bench/nlu.ts --kb` does (the questions, the built-in conversational
 * intents, the shipped out-of-scope corpus, --oos-train as negatives), splits it into the folds
 * `trainIntentModel` calibrates on and trains every fold model and the full model with the same
 * settings (intents/train.ts: folds, resolve, fit). Prints JSON lines:
 *
 * 1. `curve`: fold model 0's answer precision on its own held-out fold and on --test at a few
 *    thresholds: the same model, only the questions differ.
 * 2. With --reference (the same texts under other labels, e.g. banking77/train.jsonl for
 *    BANKING77-OOS): how many training, negative and test questions carry a label that disagrees
 *    with the reference, and the curve again without them.
 * 3. `rule`: calibration rules, each chosen on all folds' held-out predictions at the target and
 *    read on --test with the full model.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OOS_INTENT, loadConversationalIntents, loadOutOfScope } from '../intents/index.ts';
import type { IntentModel, IntentRanking, LabeledUtterance } from '../intents/index.ts';
import { fit, folds, resolve } from '../intents/train.ts';

const { values: args } = parseArgs({
  options: {
    train: { type: 'string' },
    test: { type: 'string' },
    'oos-train': { type: 'string' },
    reference: { type: 'string' },
    folds: { type: 'string', default: '3' },
    l2: { type: 'string' },
    'target-precision': { type: 'string', default: '0.95' },
    locale: { type: 'string', default: 'en' },
  },
});

function readJsonl(path: string): LabeledUtterance[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as LabeledUtterance);
}

/** A question with a model's ranking, and whether its label disagrees with --reference. */
interface Scored {
  gold: string;
  text: string;
  ranking: IntentRanking;
  disagrees: boolean;
}

type Key = (s: Scored) => number;

const best = (s: Scored): number => s.ranking.ranked[0]?.score ?? 0;
const runnerUp = (s: Scored): number =>
  Math.max(s.ranking.ranked[1]?.score ?? 0, s.ranking.oosScore);
/** The product's rule: a question is answerable when its best in-scope intent beats `oos`. */
const answerable = (s: Scored): boolean => best(s) > s.ranking.oosScore;
const right = (s: Scored): boolean => s.ranking.ranked[0]?.intent === s.gold;

/** Answer precision, self-service and wrong answers per 100 when answering at key >= threshold. */
function read(set: readonly Scored[], threshold: number, key: Key = best) {
  const answered = set.filter((s) => answerable(s) && key(s) >= threshold);
  const correct = answered.filter(right).length;
  const inScope = set.filter((s) => s.gold !== OOS_INTENT).length;
  const round = (v: number): number => Math.round(v * 10000) / 10000;
  return {
    answerPrecision: round(answered.length === 0 ? 1 : correct / answered.length),
    selfService: round(inScope === 0 ? 0 : correct / inScope),
    wrongAnswersPer100: round((100 * (answered.length - correct)) / Math.max(1, set.length)),
  };
}

/** The product's precision criterion over `key`: most right answers at precision >= target. */
function choose(set: readonly Scored[], target: number, key: Key = best): number {
  const sorted = set.filter(answerable).sort((a, b) => key(b) - key(a));
  let answered = 0;
  let correct = 0;
  let chosen = Infinity;
  let most = -1;
  sorted.forEach((s, i) => {
    answered += 1;
    if (right(s)) correct += 1;
    const next = sorted[i + 1];
    if (next !== undefined && key(next) === key(s)) return;
    if (correct / answered >= target && correct > most) {
      most = correct;
      chosen = key(s);
    }
  });
  return chosen;
}

function main(): void {
  if (args.train === undefined || args.test === undefined) {
    throw new Error('usage: bench/nlu-calibration.ts --train <jsonl> --test <jsonl> [...]');
  }
  const locale = args.locale ?? 'en';
  const target = Number(args['target-precision']);
  const negatives = args['oos-train'] === undefined ? [] : readJsonl(args['oos-train']);
  // As trainIntentModel assembles a knowledge base's data (bench/nlu.ts --kb).
  const questions = readJsonl(args.train);
  const data: LabeledUtterance[] = [
    ...questions,
    ...loadConversationalIntents(locale),
    ...loadOutOfScope(locale),
    ...negatives.map((u) => ({ text: u.text, intent: OOS_INTENT })),
  ];
  const test = readJsonl(args.test);
  const settings = resolve(args.l2 === undefined ? {} : { l2: Number(args.l2) }, data.length);

  // Reference labels: a question "disagrees" when the reference labels its text otherwise (for
  // an `oos` question: with one of the in-scope intents).
  const reference = new Map<string, string>();
  for (const u of args.reference === undefined ? [] : readJsonl(args.reference)) {
    reference.set(u.text.trim().toLowerCase(), u.intent);
  }
  const inScopeIntents = new Set(data.filter((u) => u.intent !== OOS_INTENT).map((u) => u.intent));
  const disagrees = (u: LabeledUtterance): boolean => {
    const other = reference.get(u.text.trim().toLowerCase());
    if (other === undefined) return false;
    return u.intent === OOS_INTENT ? inScopeIntents.has(other) : other !== u.intent;
  };
  const score = (model: IntentModel, u: LabeledUtterance): Scored => ({
    gold: u.intent,
    text: u.text,
    ranking: model.rank(u.text),
    disagrees: disagrees(u),
  });

  const k = Math.max(2, Number(args.folds));
  const parts = folds(data, k, settings.seed);
  const heldOut: Scored[] = [];
  let fold0: { heldOut: Scored[]; test: Scored[] } | null = null;
  parts.forEach((part, i) => {
    const model = fit(locale, parts.filter((_, j) => j !== i).flat(), settings);
    const scored = part.map((u) => score(model, u));
    heldOut.push(...scored);
    if (i === 0) fold0 = { heldOut: scored, test: test.map((u) => score(model, u)) };
  });
  const full = fit(locale, data, settings);
  const onTest = test.map((u) => score(full, u));
  // Training questions the full model (trained on them) still answers with another intent.
  const misfit = new Map(data.map((u) => [`${u.intent}\u0000${u.text}`, score(full, u)]));
  const fullScore = (s: Scored): Scored | undefined => misfit.get(`${s.gold}\u0000${s.text}`);

  const out = (row: Record<string, unknown>): void => {
    process.stdout.write(`${JSON.stringify(row)}\n`);
  };
  out({
    examples: data.length,
    negatives: negatives.length,
    folds: k,
    labelDisagreement:
      reference.size === 0
        ? null
        : {
            training: share(questions),
            negatives: share(negatives.map((u) => ({ text: u.text, intent: OOS_INTENT }))),
            test: share(test),
          },
  });
  function share(set: readonly LabeledUtterance[]): number {
    return Math.round((10000 * set.filter(disagrees).length) / Math.max(1, set.length)) / 10000;
  }

  const f0 = fold0 as { heldOut: Scored[]; test: Scored[] } | null;
  for (const threshold of [0.6, 0.7, 0.8, 0.9, 0.95]) {
    if (f0 === null) break;
    const agreeing = (set: Scored[]): Scored[] => set.filter((s) => !s.disagrees);
    out({
      curve: 'fold model 0',
      threshold,
      heldOut: read(f0.heldOut, threshold),
      test: read(f0.test, threshold),
      ...(reference.size === 0
        ? {}
        : {
            heldOutAgreeing: read(agreeing(f0.heldOut), threshold),
            testAgreeing: read(agreeing(f0.test), threshold),
          }),
    });
  }

  const margin: Key = (s) => best(s) - runnerUp(s);
  const ratio: Key = (s) => best(s) / Math.max(1e-12, best(s) + runnerUp(s));
  const rules: Array<{ rule: string; set: Scored[]; key?: Key }> = [
    { rule: 'score (today)', set: heldOut },
    { rule: 'margin: best - max(second, oos)', set: heldOut, key: margin },
    { rule: 'ratio: best / (best + max(second, oos))', set: heldOut, key: ratio },
    {
      rule: 'half the held-out out-of-scope questions',
      set: heldOut.filter((s, i) => s.gold !== OOS_INTENT || i % 2 === 0),
    },
    {
      rule: 'without held-out questions the full model does not fit',
      set: heldOut.filter((s) => {
        const f = fullScore(s);
        return f === undefined || (answerable(f) ? right(f) : f.gold === OOS_INTENT);
      }),
    },
  ];
  for (const { rule, set, key } of rules) {
    const threshold = choose(set, target, key);
    out({
      rule,
      calibrationExamples: set.length,
      threshold: Math.round(threshold * 10000) / 10000,
      expected: read(set, threshold, key),
      test: read(onTest, threshold, key),
    });
  }
  // The answer rate transferred: answer the same share of --test (its own, unlabelled scores).
  const rate =
    heldOut.filter((s) => answerable(s) && best(s) >= choose(heldOut, target)).length /
    heldOut.length;
  const testScores = onTest
    .filter(answerable)
    .map(best)
    .sort((a, b) => b - a);
  const quantile = testScores[Math.max(0, Math.round(rate * onTest.length) - 1)] ?? Infinity;
  out({ rule: 'answer rate transferred', rate, test: read(onTest, quantile) });
  out({ oracle: 'threshold chosen on --test', test: read(onTest, choose(onTest, target)) });
}

main();
