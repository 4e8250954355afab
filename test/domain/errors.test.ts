import { describe, expect, it } from 'vitest';
import { IntentModelFormatError, MissingIntentModelError } from '../../intents/index.ts';
import { ERROR_CATALOGUE } from '../../src/domain/errors.ts';

describe('the error catalogue', () => {
  it('lists the codes of the sealed intents package too (it cannot import the catalogue)', () => {
    for (const error of [new IntentModelFormatError('x'), new MissingIntentModelError('x')])
      expect(Object.keys(ERROR_CATALOGUE)).toContain(error.code);
  });
});
