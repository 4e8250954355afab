import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.ts';

/** An app whose one route fails with the given error, handled by our error middleware. */
function failingWith(error: unknown) {
  const app = express();
  app.get('/', () => {
    throw error;
  });
  app.use(errorHandler());
  return app;
}

class MongoServerSelectionError extends Error {
  override name = 'MongoServerSelectionError';
}

describe('error handler', () => {
  describe('when the database or Redis is unreachable', () => {
    it.each([
      [
        'MongoDB server selection',
        new MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017'),
      ],
      ['a closed Redis connection', new Error('Connection is closed.')],
    ])('answers 503 with Retry-After for %s', async (_label, error) => {
      const res = await request(failingWith(error)).get('/').expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body.error.code).toBe('SB_ERR_UNAVAILABLE');
    });
  });

  it('answers 500 without details for an unexpected error', async () => {
    const res = await request(failingWith(new Error('secret internals')))
      .get('/')
      .expect(500);
    expect(res.body).toEqual({ error: { code: 'SB_ERR_INTERNAL', message: 'internal error' } });
  });
});
