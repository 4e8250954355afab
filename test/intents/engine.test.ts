import { beforeAll, describe, expect, it } from 'vitest';
import { IntentEngine, trainIntentModel } from '../../intents/index.ts';
import type { IntentModel } from '../../intents/index.ts';
import { EN_OUT_OF_SCOPE, EN_TRAIN, ZH_OUT_OF_SCOPE, ZH_TRAIN } from './fixture.ts';

describe('IntentEngine', () => {
  let en: IntentModel;
  let zh: IntentModel;

  beforeAll(async () => {
    [en, zh] = await Promise.all([
      trainIntentModel({ locale: 'en', train: EN_TRAIN, options: { outOfScope: EN_OUT_OF_SCOPE } }),
      trainIntentModel({ locale: 'zh', train: ZH_TRAIN, options: { outOfScope: ZH_OUT_OF_SCOPE } }),
    ]);
  });

  describe('when given a Chinese question', () => {
    it('detects zh and classifies it with the zh model', async () => {
      const engine = new IntentEngine({ models: [en, zh], fallbackLocale: 'en' });
      const result = await engine.classify('我想退款，东西坏了');
      expect(result.locale).toBe('zh');
      expect(result.intent).toBe('refund');
    });

    it('rejects an unrelated Chinese question', async () => {
      const engine = new IntentEngine({ models: [en, zh], fallbackLocale: 'en' });
      const result = await engine.classify('明天会下雨吗');
      expect(result.locale).toBe('zh');
      expect(result.intent).toBeNull();
    });
  });

  describe('when given an English question', () => {
    it('uses the en model and adds sentiment', async () => {
      const engine = new IntentEngine({ models: [en, zh], fallbackLocale: 'en' });
      const result = await engine.classify('my order still has not arrived, this is terrible');
      expect(result.locale).toBe('en');
      expect(result.intent).toBe('track-order');
      expect(result.sentiment.label).toBe('negative');
    });
  });

  describe('when the language has no model', () => {
    it('falls back to the fallback locale', async () => {
      const engine = new IntentEngine({ models: [en], fallbackLocale: 'en' });
      expect((await engine.classify('我想退款')).locale).toBe('en');
    });
  });

  describe('when a model is retrained and swapped', () => {
    // A retrained English model whose refund intent was renamed: answers tell the models apart.
    const renamed = EN_TRAIN.map((u) =>
      u.intent === 'refund' ? { ...u, intent: 'refund-v2' } : u,
    );

    it('keeps answering with the old model until the swap', async () => {
      const engine = new IntentEngine({ models: [en, zh], fallbackLocale: 'en' });
      const retraining = trainIntentModel({
        locale: 'en',
        train: renamed,
        options: { outOfScope: EN_OUT_OF_SCOPE },
      });
      // Training yields between folds; classify while it is in flight.
      const during = await engine.classify('I want my money back');
      const next = await retraining;
      const previous = engine.swap('en', next);
      const after = await engine.classify('I want my money back');
      expect(during.intent).toBe('refund');
      expect(previous).toBe(en);
      expect(after.intent).toBe('refund-v2');
      expect(engine.model('zh')).toBe(zh);
    });

    it('finishes a classification already started on the model it started with', async () => {
      const engine = new IntentEngine({ models: [en, zh], fallbackLocale: 'en' });
      const next = await trainIntentModel({
        locale: 'en',
        train: renamed,
        options: { outOfScope: EN_OUT_OF_SCOPE },
      });
      const inFlight = engine.classify('I want my money back');
      engine.swap('en', next);
      expect((await inFlight).intent).toBe('refund');
      expect((await engine.classify('I want my money back')).intent).toBe('refund-v2');
    });

    it('refuses a model of another locale', () => {
      const engine = new IntentEngine({ models: [en, zh], fallbackLocale: 'en' });
      expect(() => engine.swap('en', zh)).toThrow(/zh/);
      expect(engine.model('en')).toBe(en);
    });
  });
});
