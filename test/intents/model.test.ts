import { beforeAll, describe, expect, it } from 'vitest';
import { loadIntentModel, trainIntentModel } from '../../intents/index.ts';
import type { IntentModel } from '../../intents/index.ts';
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
    it('answers with the intent it paraphrases', () => {
      expect(model.classify('where is my parcel right now').intent).toBe('track-order');
      expect(model.classify('I would like my money back').intent).toBe('refund');
      expect(model.classify('please ship it to my new address').intent).toBe('change-address');
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
    it('answers null (out of scope)', () => {
      expect(model.classify('how many moons does jupiter have').intent).toBeNull();
      expect(model.classify('tell me a joke about cats').intent).toBeNull();
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

  describe('when loaded from JSON with another threshold', () => {
    it('uses the stored threshold to reject', () => {
      const json = { ...model.toJSON(), threshold: 1.5 };
      const strict = loadIntentModel(json);
      expect(strict.threshold).toBe(1.5);
      expect(strict.classify('I would like my money back').intent).toBeNull();
      expect(model.classify('I would like my money back').intent).toBe('refund');
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
      const json = { ...model.toJSON(), version: 2 } as unknown as Parameters<
        typeof loadIntentModel
      >[0];
      expect(() => loadIntentModel(json)).toThrow(/version/);
    });
  });
});
