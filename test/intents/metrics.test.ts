import { describe, expect, it } from 'vitest';
import { chooseThreshold } from '../../intents/calibrate.ts';
import type { CalibrationSample } from '../../intents/calibrate.ts';
import {
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
    expect(choice).toEqual({ threshold: 0.6, inScopeAccuracy: 2 / 3, oosRecall: 1 });
  });
});
