/** `/metrics` can be kept to the scraper: with METRICS_TOKEN set it needs that Bearer token. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';

const TOKEN = 'metrics-token-0123456789';
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    role: 'api',
    config: testConfig({ METRICS_TOKEN: TOKEN, KB_SEED_ON_START: 'false' }),
  });
});

afterAll(async () => {
  await gateway.stop();
});

describe('/metrics with METRICS_TOKEN', () => {
  it('answers 401 without the token or with another, and the metrics with it', async () => {
    expect((await request(gateway.http!).get('/metrics')).status).toBe(401);
    const wrong = await request(gateway.http!)
      .get('/metrics')
      .set('authorization', 'Bearer not-the-token-at-all');
    expect(wrong.status).toBe(401);
    const right = await request(gateway.http!)
      .get('/metrics')
      .set('authorization', `Bearer ${TOKEN}`);
    expect(right.status).toBe(200);
    expect(right.text).toContain('# TYPE');
  });
});
