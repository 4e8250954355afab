/**
 * Guessing passwords is slow however it is parallelized or spread over an IPv6 prefix: attempts
 * are counted before the password is checked, and an IPv6 client counts by its /64.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { API, dropDatabase, httpOf, makeAccount, PASSWORD } from '../admin/support.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';

const MAX_FAILURES = 3;
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    role: 'api',
    config: testConfig({
      ADMIN_LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      KB_SEED_ON_START: 'false',
    }),
  });
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.stop();
});

const login = (email: string, password: string, from: string) =>
  request(httpOf(gateway))
    .post(`${API}/auth/login`)
    .set('x-forwarded-for', from)
    .send({ email, password });

describe('console sign-in throttling', () => {
  describe('when many wrong passwords arrive at once', () => {
    it('lets at most the limit reach the password check; the rest get 429', async () => {
      const email = await makeAccount(gateway, 'agent', 'parallel@example.test');
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => login(email, `wrong guess ${i}!`, '198.51.100.7')),
      );
      const checked = answers.filter((r) => r.status === 401).length;
      const refused = answers.filter((r) => r.status === 429).length;
      expect(checked).toBeLessThanOrEqual(MAX_FAILURES);
      expect(checked + refused).toBe(12);
      // And the right password is refused too until the window passes.
      expect((await login(email, PASSWORD, '198.51.100.7')).status).toBe(429);
    });
  });

  describe('when the guesses come from different addresses of one IPv6 /64', () => {
    it('counts them together', async () => {
      const email = await makeAccount(gateway, 'agent', 'prefix@example.test');
      for (let i = 1; i <= MAX_FAILURES; i += 1) {
        const res = await login(email, 'wrong password!', `2001:db8:1:2::${i.toString(16)}`);
        expect(res.status).toBe(401);
      }
      const next = await login(email, PASSWORD, '2001:db8:1:2:ffff::9');
      expect(next.status).toBe(429);
      // Another /64 is another client.
      expect((await login(email, PASSWORD, '2001:db8:1:3::1')).status).toBe(200);
    });
  });
});
