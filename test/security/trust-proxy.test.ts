/**
 * TRUST_PROXY decides whose X-Forwarded-For and X-Forwarded-Proto are believed: behind a load
 * balancer the client's own address counts for rate limits and HTTPS gives Secure cookies; with
 * no proxy trusted, a client cannot pick its own address by sending the header.
 */
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { API, dropDatabase, httpOf, makeAccount, PASSWORD } from '../admin/support.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';

const started: Gateway[] = [];
async function gatewayWith(trustProxy: string): Promise<Gateway> {
  const gateway = await startTestGateway({
    role: 'api',
    config: testConfig({
      TRUST_PROXY: trustProxy,
      ADMIN_LOGIN_MAX_FAILURES: '2',
      KB_SEED_ON_START: 'false',
    }),
  });
  started.push(gateway);
  await makeAccount(gateway, 'agent');
  return gateway;
}

afterAll(async () => {
  for (const gateway of started) {
    await dropDatabase(gateway);
    await gateway.stop();
  }
});

const login = (gateway: Gateway, forwardedFor: string, password = 'wrong password!') =>
  request(httpOf(gateway))
    .post(`${API}/auth/login`)
    .set('x-forwarded-for', forwardedFor)
    .set('x-forwarded-proto', 'https')
    .send({ email: 'agent@example.test', password });

describe('TRUST_PROXY', () => {
  describe('when no proxy is trusted', () => {
    it('counts failures by the connection, whatever X-Forwarded-For claims', async () => {
      const gateway = await gatewayWith('false');
      expect((await login(gateway, '203.0.113.1')).status).toBe(401);
      expect((await login(gateway, '203.0.113.2')).status).toBe(401);
      // A third "client" is the same connection: locked out.
      expect((await login(gateway, '203.0.113.3', PASSWORD)).status).toBe(429);
    });
  });

  describe('when one load balancer hop is trusted', () => {
    it('counts each client by its own address and marks the cookie Secure behind HTTPS', async () => {
      const gateway = await gatewayWith('1');
      expect((await login(gateway, '198.51.100.1')).status).toBe(401);
      expect((await login(gateway, '198.51.100.1')).status).toBe(401);
      const other = await login(gateway, '198.51.100.2', PASSWORD);
      expect(other.status).toBe(200);
      expect(String(other.headers['set-cookie'])).toContain('Secure');
      expect((await login(gateway, '198.51.100.1', PASSWORD)).status).toBe(429);
    });
  });
});
