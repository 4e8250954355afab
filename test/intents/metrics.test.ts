import { describe, expect, it } from 'vitest';
import { band, chooseClarifyThreshold, chooseThreshold } from '../../intents/calibrate.ts';
import type { CalibrationSample } from '../../intents/calibrate.ts';
import {
  answerMetrics,
  coverageAtPrecision,
  inScopeAccuracy,
  oosRecall,
  percentile,
} from '../../intents/metrics.ts';
import type { EvaluatedQuery } from '../../intents/metrics.ts';

function q(gold: string, candidate: string | null, score: number, threshold = 0.5): EvaluatedQuery {
  return {
    gold,
    candidate,
    score,
    predicted: candidate !== null && score >= threshold ? candidate : null,
  };
}

describe('metrics', () => {
  const queries = [
    q('a', 'a', 0.9),
    q('b', 'b', 0.8),
    q('oos', 'a', 0.7),
    q('c', 'c', 0.6),
    q('a', 'b', 0.4),
    q('oos', null, 0),
  ];

  it('counts rejected in-scope queries as wrong', () => {
    expect(inScopeAccuracy(queries)).toBe(3 / 4);
  });

  it('counts only rejected out-of-scope queries as recalled', () => {
    expect(oosRecall(queries)).toBe(1 / 2);
    expect(oosRecall([q('a', 'a', 1)])).toBeNull();
  });

  it('finds the largest coverage at the wanted precision, an answer to oos being wrong', () => {
    expect(coverageAtPrecision(queries, 0.98)).toBe(2 / 6);
    expect(coverageAtPrecision(queries, 0.75)).toBe(4 / 6);
  });

  it('answers or declines tied scores together', () => {
    expect(coverageAtPrecision([q('a', 'a', 0.5), q('b', 'c', 0.5)], 0.98)).toBe(0);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 100], 99)).toBe(100);
  });
});

describe('chooseThreshold', () => {
  const sample = (gold: string, intent: string, score: number): CalibrationSample => ({
    gold,
    ranking: { ranked: [{ intent, score }], oosScore: 0 },
  });
  const samples = [
    sample('a', 'a', 0.9),
    sample('a', 'a', 0.6),
    sample('oos', 'a', 0.5),
    sample('b', 'b', 0.4),
  ];

  it('weighs out-of-scope recall by the expected out-of-scope share', () => {
    // At 0.2 one rejected oos (share 0.2) is worth less than one lost in-scope answer (0.8 / 3).
    expect(chooseThreshold(samples, { kind: 'expected', oosShare: 0.2 }).threshold).toBe(0);
    expect(chooseThreshold(samples, { kind: 'expected', oosShare: 0.5 }).threshold).toBe(0.6);
  });

  it('honours a minimum out-of-scope recall', () => {
    const choice = chooseThreshold(samples, { kind: 'minOosRecall', min: 1 });
    expect(choice).toMatchObject({ threshold: 0.6, inScopeAccuracy: 2 / 3, oosRecall: 1 });
  });

  describe('when the criterion is a target answer precision', () => {
    // Ten answers above 0.5 with one wrong (an out-of-scope question at 0.55); below 0.5 every
    // answer is wrong.
    const many = [
      ...[0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.52].map((s) => sample('a', 'a', s)),
      sample('oos', 'a', 0.55),
      sample('oos', 'a', 0.45),
      sample('b', 'a', 0.4),
      sample('oos', 'a', 0.3),
    ];

    it('answers the most questions right while staying at or above the target', () => {
      const choice = chooseThreshold(many, { kind: 'precision', target: 0.9 });
      expect(choice.threshold).toBe(0.52);
      expect(choice.precision).toBeCloseTo(0.9, 10);
      expect(choice.answerRate).toBeCloseTo(10 / 13, 10);
    });

    it('answers fewer questions for a stricter target', () => {
      const choice = chooseThreshold(many, { kind: 'precision', target: 0.95 });
      expect(choice.threshold).toBe(0.6);
      expect(choice.precision).toBe(1);
    });

    it('falls back to the most precise threshold when none reaches the target', () => {
      const poor = [sample('b', 'a', 0.9), sample('a', 'a', 0.8), sample('oos', 'a', 0.7)];
      const choice = chooseThreshold(poor, { kind: 'precision', target: 0.95 });
      expect(choice.threshold).toBe(0.8);
      expect(choice.precision).toBe(0.5);
    });
  });
});

describe('chooseClarifyThreshold', () => {
  const ranked = (gold: string, intents: string[], top: number): CalibrationSample => ({
    gold,
    ranking: {
      ranked: intents.map((intent, i) => ({ intent, score: top - i * 0.01 })),
      oosScore: 0,
    },
  });
  // Answer threshold 0.8. Below it: two whose right intent is in the top 3, then an oos question,
  // then one whose right intent is fourth.
  const samples = [
    ranked('a', ['a', 'b', 'c', 'd'], 0.9),
    ranked('b', ['a', 'b', 'c', 'd'], 0.7),
    ranked('c', ['a', 'b', 'c', 'd'], 0.6),
    ranked('oos', ['a', 'b', 'c', 'd'], 0.5),
    ranked('d', ['a', 'b', 'c', 'd'], 0.4),
  ];

  it('widens the band down to where the top three still hold the right intent often enough', () => {
    expect(chooseClarifyThreshold(samples, 0.8, 1)).toEqual({
      clarifyThreshold: 0.6,
      precision: 1,
      rate: 2 / 5,
    });
    // 0.5 takes the oos question in (2 of 3 right), 0.4 the one whose intent is fourth (2 of 4).
    expect(chooseClarifyThreshold(samples, 0.8, 0.6).clarifyThreshold).toBe(0.5);
    expect(chooseClarifyThreshold(samples, 0.8, 0.5).clarifyThreshold).toBe(0.4);
  });

  it('leaves no band when even the narrowest misses the target', () => {
    const bad = [ranked('a', ['a'], 0.9), ranked('oos', ['a'], 0.7)];
    expect(chooseClarifyThreshold(bad, 0.8, 0.5)).toEqual({
      clarifyThreshold: 0.8,
      precision: 1,
      rate: 0,
    });
  });
});

describe('band', () => {
  const ranking = (score: number, oosScore = 0) => ({
    ranked: [{ intent: 'a', score }],
    oosScore,
  });

  it('answers, asks or hands over by the two thresholds', () => {
    expect(band(ranking(0.9), 0.8, 0.5)).toBe('answer');
    expect(band(ranking(0.6), 0.8, 0.5)).toBe('clarify');
    expect(band(ranking(0.4), 0.8, 0.5)).toBe('handover');
  });

  it('hands over when the out-of-scope class wins, whatever the score', () => {
    expect(band(ranking(0.6, 0.7), 0.8, 0.5)).toBe('handover');
  });
});

describe('answerMetrics', () => {
  it('counts only direct answers as answers, clarifications apart', () => {
    const queries = [
      q('a', 'a', 0.9),
      q('b', 'a', 0.9),
      q('oos', 'a', 0.9),
      { ...q('c', 'c', 0.3), clarify: true, clarifyHit: true },
      q('oos', null, 0.1),
    ];
    expect(answerMetrics(queries)).toEqual({
      answerPrecision: 1 / 3,
      selfService: 1 / 3,
      wrongAnswersPer100: 40,
      clarifyRate: 0.2,
      clarifyHitRate: 1,
    });
  });
});
