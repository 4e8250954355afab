import { describe, expect, it } from 'vitest';
import { parseRating } from '../../src/desk/rating.ts';

describe('parseRating', () => {
  it.each([
    ['5', 5, undefined],
    ['4/5', 4, undefined],
    ['3 stars', 3, undefined],
    ['4 - quick and friendly', 4, 'quick and friendly'],
    ['2. Took too long', 2, 'Took too long'],
    ['⭐⭐⭐⭐', 4, undefined],
    ['Great!', 5, undefined],
    ['good, thanks', 4, 'thanks'],
    ['Not good: nobody called back', 2, 'nobody called back'],
    ['very bad', 1, undefined],
    ['👍', 5, undefined],
    ['👎 still broken', 1, 'still broken'],
    ['很好，谢谢', 4, '谢谢'],
    ['非常满意', 5, undefined],
    ['不满意', 2, undefined],
    ['一般', 3, undefined],
    ['5分', 5, undefined],
  ])('reads %j as %i', (text, score, comment) => {
    expect(parseRating(text)).toEqual({ score, comment });
  });

  it.each([
    'Where is my parcel?',
    '5 minutes ago I asked about my refund',
    '15 dollars were charged twice',
    'good morning, my order is late',
    'goods arrived damaged',
    '好的',
    '6',
    '',
  ])('leaves %j alone (not a rating)', (text) => {
    expect(parseRating(text)).toBeUndefined();
  });
});
