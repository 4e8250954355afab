import { describe, expect, it } from 'vitest';
import { analyzeSentiment, detectLanguage } from '../../intents/index.ts';

describe('detectLanguage', () => {
  describe('when the text is Chinese', () => {
    it('returns zh, even for two characters', () => {
      expect(detectLanguage('我的订单在哪里？', ['en', 'zh'], 'en')).toBe('zh');
      expect(detectLanguage('退款', ['en', 'zh'], 'en')).toBe('zh');
    });
  });

  describe('when the text is English', () => {
    it('returns en for sentences and for single words', () => {
      expect(detectLanguage('where is my order, it has not arrived', ['en', 'zh'], 'zh')).toBe(
        'en',
      );
      expect(detectLanguage('refund', ['en', 'zh'], 'zh')).toBe('en');
    });
  });

  describe('when the language is not supported', () => {
    it('returns the fallback', () => {
      const french = "où est mon colis, je l'attends depuis une semaine";
      expect(detectLanguage(french, ['en', 'zh'], 'zh')).toBe('zh');
      expect(detectLanguage(french, ['en', 'fr'], 'en')).toBe('fr');
      expect(detectLanguage('🙂 123 ?!', ['en', 'zh'], 'zh')).toBe('zh');
      expect(detectLanguage('注文はどこですか', ['en', 'zh'], 'en')).toBe('en');
    });
  });
});

describe('analyzeSentiment', () => {
  describe('when the locale has a node-nlp lexicon', () => {
    it('labels praise positive and complaints negative', async () => {
      expect((await analyzeSentiment('thank you, great service', 'en')).label).toBe('positive');
      expect((await analyzeSentiment('this is awful, I am angry', 'en')).label).toBe('negative');
      expect(await analyzeSentiment('order 12345', 'en')).toEqual({ score: 0, label: 'neutral' });
    });
  });

  describe('when the locale is Chinese (fallback lexicon)', () => {
    it('labels praise positive, complaints and negated praise negative', async () => {
      expect((await analyzeSentiment('谢谢，服务很好', 'zh')).label).toBe('positive');
      expect((await analyzeSentiment('太差了，我要投诉', 'zh')).label).toBe('negative');
      expect((await analyzeSentiment('我不满意', 'zh')).label).toBe('negative');
      expect((await analyzeSentiment('订单号是多少', 'zh')).label).toBe('neutral');
    });
  });
});
