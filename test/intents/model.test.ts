import { beforeAll, describe, expect, it } from 'vitest';
import { chooseThreshold, DEFAULT_CRITERION } from '../../intents/calibrate.ts';
import { OOS_INTENT, loadIntentModel, trainIntentModel } from '../../intents/index.ts';
import type { IntentModel } from '../../intents/index.ts';
import { fit, folds, resolve } from '../../intents/train.ts';
import { EN_OUT_OF_SCOPE, EN_TRAIN } from './fixture.ts';

const PROBES = [
  'where is my parcel right now',
  'I would like my money back',
  'please ship it to my new address',
  'what time do you open on saturday',
  'how many moons does jupiter have',
  'xqzv blorp',
];

describe('trainIntentModel', () => {
  let model: IntentModel;

  beforeAll(async () => {
    model = await trainIntentModel({
      locale: 'en',
      train: EN_TRAIN,
      options: { outOfScope: EN_OUT_OF_SCOPE },
    });
  });

  describe('when given a paraphrase of a known question', () => {
    it('ranks the intent it paraphrases first and does not hand over', () => {
      const cases = [
        ['where is my parcel right now', 'track-order'],
        ['I would like my money back', 'refund'],
        ['please ship it to my new address', 'change-address'],
      ] as const;
      for (const [text, intent] of cases) {
        const result = model.classify(text);
        expect(result.candidates[0]?.intent).toBe(intent);
        expect(result.band).not.toBe('handover');
        // A model of a few questions per intent is not sure enough to answer all of them at the
        // default target precision; whatever it answers is the right intent.
        if (result.band === 'answer') expect(result.intent).toBe(intent);
        else expect(result.intent).toBeNull();
      }
    });

    it('answers them directly when calibrated for in-scope accuracy (the old criterion)', async () => {
      const lax = await trainIntentModel({
        locale: 'en',
        train: EN_TRAIN,
        options: { outOfScope: EN_OUT_OF_SCOPE, criterion: { kind: 'minOosRecall', min: 0.6 } },
      });
      expect(lax.classify('where is my parcel right now').intent).toBe('track-order');
      expect(lax.classify('I would like my money back').intent).toBe('refund');
      expect(lax.classify('please ship it to my new address').intent).toBe('change-address');
      expect(lax.calibration.criterion).toMatch(/oos recall/);
    });

    it('returns the three best candidates, best first, the first being the answer', () => {
      const result = model.classify('I would like my money back');
      expect(result.candidates).toHaveLength(3);
      const scores = result.candidates.map((c) => c.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(result.candidates[0]?.score).toBe(result.score);
      expect(result.candidates.slice(1)).toEqual(result.runnersUp.slice(0, 2));
    });

    it('reports a score in 0..1 and up to three runners-up, best first', () => {
      const result = model.classify('I would like my money back');
      expect(result.score).toBeGreaterThan(0);
      expect(result.score).toBeLessThanOrEqual(1);
      expect(result.runnersUp.length).toBeLessThanOrEqual(3);
      expect(result.runnersUp.map((r) => r.intent)).not.toContain('refund');
      const scores = [result.score, ...result.runnersUp.map((r) => r.score)];
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    });
  });

  describe('when given an unrelated question', () => {
    it('hands over', () => {
      expect(model.classify('how many moons does jupiter have')).toMatchObject({
        intent: null,
        band: 'handover',
      });
      expect(model.classify('tell me a joke about cats')).toMatchObject({
        intent: null,
        band: 'handover',
      });
    });
  });

  describe('when calibrated without a calibration set', () => {
    it('stores a k-fold calibrated threshold inside the model', () => {
      const json = model.toJSON();
      expect(json.threshold).toBe(model.threshold);
      expect(json.calibration.method).toBe('k-fold');
      expect(json.calibration.outOfScopeExamples).toBe(EN_OUT_OF_SCOPE.length);
      expect(model.intents).not.toContain('oos');
    });

    it('stores the answer precision it expects at its threshold, at or above the target', () => {
      const { calibration } = model;
      expect(calibration.criterion).toMatch(/precision >= 0.95/);
      expect(calibration.expectedPrecision).toBeGreaterThanOrEqual(0.95);
      expect(calibration.answerRate).toBeGreaterThan(0);
      expect(model.clarifyThreshold).toBeLessThanOrEqual(model.threshold);
      expect(model.toJSON().clarifyThreshold).toBe(model.clarifyThreshold);
    });
  });

  describe('when its fold models are rebuilt from folds, resolve and fit', () => {
    // bench/nlu-calibration.ts diagnoses the k-fold calibration with these exports: they must
    // rebuild the very held-out predictions trainIntentModel chose its threshold on.
    it('their held-out predictions give the threshold and precision the model stored', () => {
      const data = [...EN_TRAIN, ...EN_OUT_OF_SCOPE.map((text) => ({ text, intent: OOS_INTENT }))];
      const settings = resolve({}, data.length);
      const parts = folds(data, 3, settings.seed);
      const samples = parts.flatMap((part, i) => {
        const foldModel = fit('en', parts.filter((_, j) => j !== i).flat(), settings);
        return part.map((u) => ({ gold: u.intent, ranking: foldModel.rank(u.text) }));
      });
      expect(samples).toHaveLength(data.length);
      const choice = chooseThreshold(samples, DEFAULT_CRITERION);
      expect(choice.threshold).toBe(model.threshold);
      expect(choice.precision).toBe(model.calibration.expectedPrecision);
    });
  });

  describe('when told to predict one fold only (large knowledge bases)', () => {
    it('calibrates on that fold: a third of the examples, one training less per fold', async () => {
      const quick = await trainIntentModel({
        locale: 'en',
        train: EN_TRAIN,
        options: { outOfScope: EN_OUT_OF_SCOPE, heldOutFolds: 1 },
      });
      const all = EN_TRAIN.length + EN_OUT_OF_SCOPE.length;
      expect(model.calibration.examples).toBe(all);
      expect(quick.calibration.examples).toBeGreaterThanOrEqual(Math.floor(all / 3));
      expect(quick.calibration.examples).toBeLessThanOrEqual(Math.ceil(all / 3));
    });
  });

  describe('when given collected negatives', () => {
    const negatives = [
      'where can I buy a gift card',
      'do you sell gift cards',
      'I want to buy a voucher for a friend',
      'can I pay with a gift card',
      'how much is a gift voucher',
      'gift card balance check',
    ];

    it('trains them as out of scope and calibrates on them too', async () => {
      const probe = 'can I buy a gift card for my friend';
      const trained = await trainIntentModel({
        locale: 'en',
        train: EN_TRAIN,
        options: { outOfScope: EN_OUT_OF_SCOPE, negatives },
      });
      expect(trained.calibration.negativeExamples).toBe(negatives.length);
      expect(trained.calibration.outOfScopeExamples).toBe(
        EN_OUT_OF_SCOPE.length + negatives.length,
      );
      expect(trained.rank(probe).oosScore).toBeGreaterThan(model.rank(probe).oosScore);
      expect(trained.classify(probe).band).toBe('handover');
    });
  });

  describe('when given a calibration set', () => {
    it('chooses the threshold on it', async () => {
      const calibrated = await trainIntentModel({
        locale: 'en',
        train: EN_TRAIN,
        calibration: [
          { text: 'where is my parcel', intent: 'track-order' },
          { text: 'money back please', intent: 'refund' },
          { text: 'who is the president of france', intent: 'oos' },
        ],
        options: { outOfScope: EN_OUT_OF_SCOPE },
      });
      expect(calibrated.toJSON().calibration).toMatchObject({ method: 'given', examples: 3 });
    });
  });

  describe('when serialized to JSON and loaded back', () => {
    it('classifies every probe identically', () => {
      const restored = loadIntentModel(JSON.parse(JSON.stringify(model.toJSON())));
      expect(restored.threshold).toBe(model.threshold);
      for (const text of PROBES) expect(restored.classify(text)).toEqual(model.classify(text));
    });
  });

  describe('when loaded from JSON with other thresholds', () => {
    it('uses the stored thresholds to answer, ask or hand over', () => {
      const text = 'I would like my money back';
      const at = (threshold: number, clarifyThreshold: number) =>
        loadIntentModel({ ...model.toJSON(), threshold, clarifyThreshold }).classify(text);
      expect(at(0, 0)).toMatchObject({ intent: 'refund', band: 'answer' });
      expect(at(1.5, 0)).toMatchObject({ intent: null, band: 'clarify' });
      expect(at(1.5, 1.5)).toMatchObject({ intent: null, band: 'handover' });
    });
  });

  describe('when a cached model is of version 1 (before the clarify band)', () => {
    it('loads with no clarify band and an unknown expected precision', () => {
      const { clarifyThreshold: _c, calibration, ...rest } = model.toJSON();
      const v1 = {
        ...rest,
        version: 1 as const,
        calibration: {
          method: calibration.method,
          criterion: calibration.criterion,
          examples: calibration.examples,
          outOfScopeExamples: calibration.outOfScopeExamples,
          inScopeAccuracy: calibration.inScopeAccuracy,
          oosRecall: calibration.oosRecall,
        },
      };
      const old = loadIntentModel(v1);
      expect(old.clarifyThreshold).toBe(old.threshold);
      expect(old.calibration.expectedPrecision).toBeNull();
      expect(old.classify('xqzv blorp').band).toBe('handover');
    });
  });

  describe('when trained twice on the same data', () => {
    it('produces the same model', async () => {
      const again = await trainIntentModel({
        locale: 'en',
        train: EN_TRAIN,
        options: { outOfScope: EN_OUT_OF_SCOPE },
      });
      expect(again.toJSON()).toEqual(model.toJSON());
    });
  });

  describe('when a cached model has an unknown version', () => {
    it('refuses to load it', () => {
      const json = { ...model.toJSON(), version: 3 } as unknown as Parameters<
        typeof loadIntentModel
      >[0];
      expect(() => loadIntentModel(json)).toThrow(/version/);
    });
  });
});
