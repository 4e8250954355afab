/**
 * A password reset ends the account's other sessions: whoever had the old password (and a
 * session from it) is out at their next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { API, dropDatabase, makeAccount, signIn } from '../admin/support.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    role: 'api',
    config: testConfig({ KB_SEED_ON_START: 'false' }),
  });
  await makeAccount(gateway, 'admin');
  await makeAccount(gateway, 'supervisor');
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.stop();
});

const NEW_PASSWORD = 'a brand new passphrase';

describe('password reset', () => {
  describe('when an admin resets another account’s password', () => {
    it('ends the sessions signed in with the old one, and the new password signs in', async () => {
      const before = await signIn(gateway, 'supervisor@example.test');
      expect((await before.agent.get(`${API}/auth/me`)).status).toBe(200);
      const admin = await signIn(gateway, 'admin@example.test');
      const reset = await admin.agent
        .patch(`${API}/accounts/supervisor@example.test`)
        .set('x-csrf-token', admin.csrf)
        .send({ password: NEW_PASSWORD });
      expect(reset.status).toBe(200);
      expect((await before.agent.get(`${API}/auth/me`)).status).toBe(401);
      // The admin who made the change is still signed in.
      expect((await admin.agent.get(`${API}/auth/me`)).status).toBe(200);
      const after = await signIn(gateway, 'supervisor@example.test', NEW_PASSWORD);
      expect((await after.agent.get(`${API}/auth/me`)).status).toBe(200);
    });
  });

  describe('when someone changes their own password', () => {
    it('keeps the session they changed it from and ends their others', async () => {
      const other = await signIn(gateway, 'admin@example.test');
      const self = await signIn(gateway, 'admin@example.test');
      const change = await self.agent
        .patch(`${API}/accounts/admin@example.test`)
        .set('x-csrf-token', self.csrf)
        .send({ password: NEW_PASSWORD });
      expect(change.status).toBe(200);
      expect((await self.agent.get(`${API}/auth/me`)).status).toBe(200);
      expect((await other.agent.get(`${API}/auth/me`)).status).toBe(401);
    });
  });
});
