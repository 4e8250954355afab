import { execFile } from 'node:child_process';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { PERMISSIONS, type Permission } from '../../src/admin/permissions.ts';
import { ADMIN_ROLES, type AdminRole } from '../../src/accounts/models.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { startTestGateway, testConfig, uniqueName } from '../support/gateway.ts';
import {
  API,
  PASSWORD,
  adminRoutes,
  concrete,
  dropDatabase,
  httpOf,
  makeAccount,
  signIn,
  tokenFor,
} from './support.ts';
import { accountModels } from '../../src/accounts/models.ts';

const OPERATOR = 'test-admin-token-0123456789';

/**
 * Every admin endpoint and the permission it needs (`null`: any signed-in principal). A test below
 * checks that this list names every route the admin router has, so a new endpoint without a rule
 * fails the suite.
 */
const ENDPOINTS: Array<
  [method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, permission: Permission | null]
> = [
  ['post', '/auth/logout', null],
  ['get', '/auth/me', null],
  ['get', '/accounts', 'accounts.manage'],
  ['post', '/accounts', 'accounts.manage'],
  ['patch', '/accounts/:email', 'accounts.manage'],
  ['get', '/tokens', 'accounts.manage'],
  ['post', '/tokens', 'accounts.manage'],
  ['delete', '/tokens/:id', 'accounts.manage'],
  ['get', '/integrations', 'accounts.manage'],
  ['post', '/integrations/:id/disable', 'accounts.manage'],
  ['post', '/integrations/:id/enable', 'accounts.manage'],
  ['post', '/integrations/:id/rotate', 'accounts.manage'],
  ['get', '/articles', 'kb.read'],
  ['post', '/articles', 'kb.write'],
  ['post', '/articles/preview', 'kb.read'],
  ['get', '/articles/:key', 'kb.read'],
  ['put', '/articles/:key', 'kb.write'],
  ['put', '/articles/:key/draft', 'kb.write'],
  ['post', '/articles/:key/draft/publish', 'kb.write'],
  ['delete', '/articles/:key/draft', 'kb.write'],
  ['post', '/articles/:key/publish', 'kb.write'],
  ['post', '/articles/:key/unpublish', 'kb.write'],
  ['get', '/articles/:key/revisions', 'kb.read'],
  ['get', '/articles/:key/revisions/:revision', 'kb.read'],
  ['post', '/articles/:key/rollback', 'kb.write'],
  ['get', '/model', 'kb.read'],
  ['post', '/bot/try', 'kb.read'],
  ['get', '/tickets', 'tickets.read'],
  ['get', '/tickets/:id', 'tickets.read'],
  ['post', '/tickets/:id/assign', 'tickets.assign'],
  ['post', '/tickets/:id/tags', 'tickets.write'],
  ['post', '/tickets/:id/resolve', 'tickets.write'],
  ['post', '/tickets/:id/notes', 'tickets.write'],
  ['patch', '/agents/:id', 'agents.manage'],
  ['get', '/teams', 'tickets.read'],
  ['post', '/agents/me/status', 'tickets.write'],
  ['put', '/teams/:key', 'agents.manage'],
  ['delete', '/teams/:key', 'agents.manage'],
  ['patch', '/contacts/:id/attributes', 'contacts.edit'],
  ['post', '/tickets/:id/take', 'tickets.write'],
  ['post', '/tickets/:id/release', 'tickets.write'],
  ['post', '/tickets/:id/reply', 'tickets.write'],
  ['post', '/tickets/:id/files', 'tickets.write'],
  ['get', '/learning/negatives', 'learning.read'],
  ['post', '/learning/negatives/:id/keep', 'learning.write'],
  ['post', '/learning/negatives/:id/drop', 'learning.write'],
  ['post', '/learning/negatives/:id/convert', 'learning.write'],
  ['post', '/tickets/:id/reopen', 'tickets.write'],
  ['post', '/tickets/:id/priority', 'tickets.write'],
  ['get', '/agents', 'tickets.read'],
  ['get', '/learning/unanswered', 'learning.read'],
  ['get', '/learning/suggestions', 'learning.read'],
  ['get', '/learning/suggestions/:id', 'learning.read'],
  ['post', '/learning/suggestions/:id/approve', 'learning.write'],
  ['post', '/learning/suggestions/:id/dismiss', 'learning.write'],
  ['get', '/learning/report', 'learning.read'],
  ['get', '/learning/retrains', 'learning.read'],
  ['get', '/dashboard', 'dashboard.read'],
  ['get', '/dashboard/:chart.csv', 'dashboard.read'],
  ['get', '/audit', 'audit.read'],
  ['get', '/audit.csv', 'audit.read'],
  ['get', '/contacts', 'contacts.read'],
  ['get', '/contacts/:id', 'contacts.read'],
  ['post', '/contacts/:id/merge', 'contacts.merge'],
  ['post', '/contacts/:id/unmerge', 'contacts.merge'],
  ['get', '/merge-suggestions', 'contacts.read'],
  ['post', '/merge-suggestions/:id/accept', 'contacts.merge'],
  ['post', '/merge-suggestions/:id/dismiss', 'contacts.merge'],
  ['get', '/contacts/:id/export', 'contacts.gdpr'],
  ['post', '/contacts/:id/erase', 'contacts.gdpr'],
  ['get', '/deliveries/failed', 'deliveries.resend'],
  ['post', '/deliveries/:messageId/resend', 'deliveries.resend'],
];

let gateway: Gateway;
const tokens = new Map<AdminRole, string>();

beforeAll(async () => {
  gateway = await startTestGateway({
    role: 'api',
    config: testConfig({ ADMIN_LOGIN_MAX_FAILURES: '3', KB_SEED_ON_START: 'false' }),
  });
  for (const role of ADMIN_ROLES) {
    await makeAccount(gateway, role);
    tokens.set(role, await tokenFor(gateway, role));
  }
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.stop();
});

describe('admin auth', () => {
  describe('when signing in', () => {
    it('sets an HTTP-only, SameSite=Strict session cookie scoped to the API and returns a CSRF token', async () => {
      const res = await request(httpOf(gateway))
        .post(`${API}/auth/login`)
        .send({ email: 'Admin@Example.test', password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body.account).toMatchObject({ email: 'admin@example.test', role: 'admin' });
      expect(res.body.account.passwordHash).toBeUndefined();
      expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const cookie = String(res.headers['set-cookie']);
      expect(cookie).toMatch(/^sb_admin=/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain(`Path=${API}`);
    });

    it('marks the cookie Secure when the request came over HTTPS (through the local proxy)', async () => {
      const res = await request(httpOf(gateway))
        .post(`${API}/auth/login`)
        .set('x-forwarded-proto', 'https')
        .send({ email: 'admin@example.test', password: PASSWORD });
      expect(res.status).toBe(200);
      expect(String(res.headers['set-cookie'])).toContain('Secure');
    });

    it('refuses a wrong password and an unknown email alike, with 401', async () => {
      const wrong = await request(httpOf(gateway))
        .post(`${API}/auth/login`)
        .send({ email: 'supervisor@example.test', password: 'not the password' });
      const unknown = await request(httpOf(gateway))
        .post(`${API}/auth/login`)
        .send({ email: 'ghost@example.test', password: 'whatever it is' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.error.message).toBe(unknown.body.error.message);
    });

    it('refuses a body without a password with 400 naming the field', async () => {
      const res = await request(httpOf(gateway)).post(`${API}/auth/login`).send({ email: 'a@b.c' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'SB_ERR_VALIDATION', field: 'password' });
    });

    it('locks an email out from an address after too many failures, even with the right password', async () => {
      const email = await makeAccount(gateway, 'agent', 'limited@example.test');
      const attempt = (password: string) =>
        request(httpOf(gateway))
          .post(`${API}/auth/login`)
          .set('x-forwarded-for', '203.0.113.9')
          .send({ email, password });
      for (let i = 0; i < 3; i += 1) expect((await attempt('wrong password!')).status).toBe(401);
      const locked = await attempt(PASSWORD);
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe('SB_ERR_RATE_LIMITED');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      // Another account from the same address is not locked by these failures.
      const other = await request(httpOf(gateway))
        .post(`${API}/auth/login`)
        .set('x-forwarded-for', '203.0.113.9')
        .send({ email: 'agent@example.test', password: PASSWORD });
      expect(other.status).toBe(200);
    });
  });

  describe('when signed in with a session', () => {
    it('answers /auth/me with the principal, the CSRF token and every role', async () => {
      const session = await signIn(gateway, 'supervisor@example.test');
      const me = await session.agent.get(`${API}/auth/me`);
      expect(me.status).toBe(200);
      expect(me.body.principal).toMatchObject({ kind: 'account', role: 'supervisor' });
      expect(me.body.csrfToken).toBe(session.csrf);
      expect(me.body.roles).toEqual(['agent', 'supervisor', 'admin']);
    });

    it('refuses a write without the CSRF token, or with a wrong one, with 403', async () => {
      const session = await signIn(gateway, 'admin@example.test');
      const body = { name: 'csrf probe', role: 'agent' };
      const none = await session.agent.post(`${API}/tokens`).send(body);
      expect(none.status).toBe(403);
      expect(none.body.error.message).toContain('CSRF');
      const wrong = await session.agent
        .post(`${API}/tokens`)
        .set('x-csrf-token', 'forged')
        .send(body);
      expect(wrong.status).toBe(403);
      const right = await session.agent
        .post(`${API}/tokens`)
        .set('x-csrf-token', session.csrf)
        .send(body);
      expect(right.status).toBe(201);
    });

    it('ends the session on logout', async () => {
      const session = await signIn(gateway, 'agent@example.test');
      const out = await session.agent.post(`${API}/auth/logout`).set('x-csrf-token', session.csrf);
      expect(out.status).toBe(200);
      expect((await session.agent.get(`${API}/auth/me`)).status).toBe(401);
    });

    it('ends the session of an account an admin disabled', async () => {
      const email = await makeAccount(gateway, 'agent', 'leaver@example.test');
      const session = await signIn(gateway, email);
      const admin = await signIn(gateway, 'admin@example.test');
      const disabled = await admin.agent
        .patch(`${API}/accounts/${email}`)
        .set('x-csrf-token', admin.csrf)
        .send({ disabled: true });
      expect(disabled.status).toBe(200);
      expect((await session.agent.get(`${API}/auth/me`)).status).toBe(401);
      expect(
        (
          await request(httpOf(gateway))
            .post(`${API}/auth/login`)
            .send({ email, password: PASSWORD })
        ).status,
      ).toBe(401);
    });

    it('does not let an admin demote their own account', async () => {
      const admin = await signIn(gateway, 'admin@example.test');
      const res = await admin.agent
        .patch(`${API}/accounts/admin@example.test`)
        .set('x-csrf-token', admin.csrf)
        .send({ role: 'agent' });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('role');
    });
  });

  describe('when calling with a bearer token', () => {
    it('takes ADMIN_TOKEN as the operator, with the admin role and no CSRF token', async () => {
      const res = await request(httpOf(gateway))
        .post(`${API}/tokens`)
        .set('authorization', `Bearer ${OPERATOR}`)
        .send({ name: 'from operator', role: 'supervisor' });
      expect(res.status).toBe(201);
      expect(res.body.token).toMatch(/^sbt_[0-9a-f]{12}_/);
      const me = await request(httpOf(gateway))
        .get(`${API}/auth/me`)
        .set('authorization', `Bearer ${res.body.token}`);
      expect(me.body.principal).toMatchObject({ kind: 'token', role: 'supervisor' });
      expect(me.body.csrfToken).toBeNull();
    });

    it('stores API tokens only as hashes and refuses them once revoked', async () => {
      const created = await request(httpOf(gateway))
        .post(`${API}/tokens`)
        .set('authorization', `Bearer ${OPERATOR}`)
        .send({ name: 'short-lived', role: 'agent' });
      const token = created.body.token as string;
      const stored = await accountModels(gateway.pool.models)
        .ApiToken.findById(created.body.id)
        .lean();
      // The whole secret after `sbt_<id>_`: base64url may itself contain `_`, and a fragment
      // of one character is found in any hash.
      const secret = token.slice(token.indexOf('_', 'sbt_'.length) + 1);
      expect(secret.length).toBeGreaterThan(20);
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(
        (
          await request(httpOf(gateway))
            .get(`${API}/auth/me`)
            .set('authorization', `Bearer ${token}`)
        ).status,
      ).toBe(200);
      const revoked = await request(httpOf(gateway))
        .delete(`${API}/tokens/${created.body.id}`)
        .set('authorization', `Bearer ${OPERATOR}`);
      expect(revoked.status).toBe(200);
      expect(
        (
          await request(httpOf(gateway))
            .get(`${API}/auth/me`)
            .set('authorization', `Bearer ${token}`)
        ).status,
      ).toBe(401);
    });

    it('refuses an unknown bearer token with 401', async () => {
      const res = await request(httpOf(gateway))
        .get(`${API}/auth/me`)
        .set('authorization', 'Bearer not-a-token-at-all');
      expect(res.status).toBe(401);
    });
  });

  describe('role checks', () => {
    it('has a rule for every route of the admin API', () => {
      const listed = ENDPOINTS.map(([method, path]) => `${method} ${path}`).sort();
      expect(adminRoutes(gateway).filter((r) => r !== 'post /auth/login')).toEqual(listed);
    });

    it('answers 401 to every endpoint without credentials', async () => {
      const statuses = await Promise.all(
        ENDPOINTS.map(
          async ([method, path]) =>
            [
              path,
              (await request(httpOf(gateway))[method](concrete(path)).send({})).status,
            ] as const,
        ),
      );
      expect(statuses.filter(([, status]) => status !== 401)).toEqual([]);
    });

    it.each(ADMIN_ROLES)(
      'gives the %s role exactly the endpoints its permissions allow',
      async (role) => {
        const wrong: string[] = [];
        for (const [method, path, permission] of ENDPOINTS) {
          if (path === '/auth/logout') continue;
          const client = request(httpOf(gateway));
          const res = await client[method](concrete(path))
            .set('authorization', `Bearer ${tokens.get(role) ?? ''}`)
            .send({});
          const allowed =
            permission === null || (PERMISSIONS[permission] as readonly string[]).includes(role);
          const ok = allowed ? res.status !== 401 && res.status !== 403 : res.status === 403;
          if (!ok) wrong.push(`${method} ${path} -> ${res.status}`);
        }
        expect(wrong).toEqual([]);
      },
    );

    it('keeps agents out of the knowledge-base editor and the audit log (session, with CSRF)', async () => {
      const agent = await signIn(gateway, 'agent@example.test');
      const edit = await agent.agent
        .post(`${API}/articles`)
        .set('x-csrf-token', agent.csrf)
        .send({ id: 'sneaky', locale: 'en', title: 'x', answer: 'y' });
      expect(edit.status).toBe(403);
      expect(edit.body.error.code).toBe('SB_ERR_FORBIDDEN');
      expect((await agent.agent.get(`${API}/audit`)).status).toBe(403);
      expect((await agent.agent.get(`${API}/articles`)).status).toBe(200);
    });
  });

  describe('Slack identity', () => {
    it('links an account to the Agent record of its Slack user', async () => {
      const email = await makeAccount(gateway, 'agent', 'slacker@example.test');
      const res = await request(httpOf(gateway))
        .patch(`${API}/accounts/${email}`)
        .set('authorization', `Bearer ${OPERATOR}`)
        .send({ slackUserId: 'U0SLACK42' });
      expect(res.status).toBe(200);
      const agent = await gateway.pool.models.Agent.findOne({ identity: 'slack:U0SLACK42' }).lean();
      expect(agent).not.toBeNull();
      expect(res.body.account.agentId).toBe(String(agent?._id));
      const session = await signIn(gateway, email);
      expect((await session.agent.get(`${API}/auth/me`)).body.principal.agentId).toBe(
        String(agent?._id),
      );
      const bad = await request(httpOf(gateway))
        .patch(`${API}/accounts/${email}`)
        .set('authorization', `Bearer ${OPERATOR}`)
        .send({ slackUserId: 'not-slack' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('slackUserId');
    });
  });

  describe('audit', () => {
    it('records account changes without secrets', async () => {
      const res = await request(httpOf(gateway))
        .get(`${API}/audit?action=account.created`)
        .set('authorization', `Bearer ${OPERATOR}`);
      expect(res.status).toBe(200);
      expect(res.body.events.length).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toContain('argon2');
      const csv = await request(httpOf(gateway))
        .get(`${API}/audit.csv`)
        .set('authorization', `Bearer ${OPERATOR}`);
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.text.split('\r\n')[0]).toBe('at,actor,action,subject,before,after');
    });
  });
});

describe('switchboard admin create', () => {
  const dbName = uniqueName('sbadmincli');
  const env = {
    ...process.env,
    MONGODB_URI: inject('mongoUrl'),
    REDIS_URL: inject('redisUrl'),
    MONGODB_DB: dbName,
    QUEUE_PREFIX: uniqueName('sbadmincli'),
  };
  const run = (args: string[], stdin: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['bin/switchboard.js', 'admin', 'create', ...args],
        { env },
        (error, stdout, stderr) =>
          resolve({
            code: error ? Number((error as { code?: number }).code ?? 1) : 0,
            stdout,
            stderr,
          }),
      );
      child.stdin?.end(stdin);
    });

  afterAll(async () => {
    const pool = await TicketPool.connect(inject('mongoUrl'), { dbName });
    await pool.models.Ticket.db.dropDatabase();
    await pool.close();
  });

  it('creates the first admin with the password from standard input, hashed with argon2id', async () => {
    const result = await run(
      ['--email', 'First@Example.test', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('created admin account first@example.test');
    const pool = await TicketPool.connect(inject('mongoUrl'), { dbName });
    try {
      const stored = await accountModels(pool.models).Account.findById('first@example.test').lean();
      expect(stored?.role).toBe('admin');
      expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    } finally {
      await pool.close();
    }
  });

  it('refuses a short password, saying why, and creates nothing', async () => {
    const result = await run(['--email', 'second@example.test', '--password-stdin'], 'short\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('password: at least 12 characters');
    const pool = await TicketPool.connect(inject('mongoUrl'), { dbName });
    try {
      expect(
        await accountModels(pool.models).Account.findById('second@example.test').lean(),
      ).toBeNull();
    } finally {
      await pool.close();
    }
  });
});
