import { describe, expect, it } from 'vitest';
import { isStoreUnreachable } from '../../src/unreachable.ts';

describe('isStoreUnreachable', () => {
  it('recognises the drivers’ errors for an unreachable Redis or MongoDB', () => {
    // What ioredis rejects queued commands with while Redis restarts (seen killing a worker).
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
    });
    const mongo = Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' });
    for (const error of [
      maxRetries,
      mongo,
      new Error('connect ECONNREFUSED 127.0.0.1:6379'),
      new Error('read ECONNRESET'),
      new Error('Connection is closed.'),
    ]) {
      expect(isStoreUnreachable(error), error.message).toBe(true);
    }
  });

  it('does not excuse other errors', () => {
    for (const error of [new TypeError('x is undefined'), new Error('boom'), 'text', null, 42]) {
      expect(isStoreUnreachable(error)).toBe(false);
    }
  });
});
