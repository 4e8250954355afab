import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { launchBrowser } from '../support/browser.ts';
import { listenGateway, startTestGateway, testConfig } from '../support/gateway.ts';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

let gateway: Gateway;

/** A Content-Security-Policy header as directive → sources. */
function policyOf(res: request.Response): Map<string, string[]> {
  const header = res.headers['content-security-policy'];
  expect(typeof header).toBe('string');
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!.toLowerCase(), sources]),
  );
}

/** Where scripts may come from: script-src, else default-src (CSP's fallback). */
function scriptSources(policy: Map<string, string[]>): string[] {
  return policy.get('script-src') ?? policy.get('default-src') ?? [];
}

/** What every page's policy must hold, whatever else it allows. */
function expectStrictPage(res: request.Response): Map<string, string[]> {
  const policy = policyOf(res);
  expect(policy.get('default-src')).toEqual(expect.arrayContaining([expect.any(String)]));
  expect(policy.get('default-src')).not.toContain('*');
  const scripts = scriptSources(policy);
  expect(scripts.length).toBeGreaterThan(0);
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  expect(scripts).not.toContain('*');
  expect(scripts.some((source) => /^(https?:|data:|blob:)/.test(source))).toBe(false);
  expect(policy.get('object-src')).toEqual(["'none'"]);
  expect(policy.has('base-uri')).toBe(true);
  expect(policy.get('base-uri')).not.toContain('*');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toMatch(/^(no-referrer|same-origin|strict-origin)/);
  return policy;
}

beforeAll(async () => {
  gateway = await startTestGateway({
    role: 'api',
    config: testConfig(),
    env: { WEBCHAT_TOKEN_SECRET: 'security-headers-test-secret-0123456789' },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
});

const http = () => request(gateway.http!);

describe('security headers', () => {
  describe('on JSON endpoints', () => {
    it.each([
      ['GET', '/healthz', 200],
      ['POST', '/api/v1/messages', 401],
      ['GET', '/api/v1/tickets/forecast', 401],
      ['GET', '/api/v1/admin/auth/me', 401],
      ['GET', '/no/such/route', 404],
    ] as const)(
      '%s %s answers nosniff and a policy that renders nothing',
      async (method, path, status) => {
        const res = await (method === 'GET' ? http().get(path) : http().post(path).send({})).expect(
          status,
        );
        expect(res.headers['content-type']).toMatch(/application\/json/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['x-powered-by']).toBeUndefined();
        const policy = policyOf(res);
        expect(policy.get('default-src')).toEqual(["'none'"]);
        expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      },
    );
  });

  describe('on the web chat page', () => {
    it('keeps its own strict policy and may be framed by any site (the bubble)', async () => {
      const res = await http().get('/chat').expect(200);
      const policy = expectStrictPage(res);
      expect(policy.get('default-src')).toEqual(["'self'"]);
      expect(policy.get('base-uri')).toEqual(["'none'"]);
      expect(policy.has('frame-ancestors')).toBe(false);
      expect(res.headers['x-frame-options']).toBeUndefined();
    });

    it('serves the embed script inert: nosniff, the API policy, readable cross-origin', async () => {
      const res = await http().get('/chat/embed.js').expect(200);
      expect(res.headers['content-type']).toMatch(/text\/javascript/);
      const policy = policyOf(res);
      expect(policy.get('default-src')).toEqual(["'none'"]);
      expect(scriptSources(policy)).toEqual(["'none'"]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    });
  });

  describe('on the admin console', () => {
    it('keeps its own strict policy and cannot be framed', async () => {
      const res = await http().get('/admin/').expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      const policy = expectStrictPage(res);
      expect(policy.get('default-src')).toEqual(["'self'"]);
      expect(policy.get('base-uri')).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    });
  });

  describe('on the queue dashboard (Bull Board)', () => {
    it('has a policy of its own: scripts from the gateway only, styles inline', async () => {
      const res = await http().get('/admin/queues').auth('admin', ADMIN_TOKEN).expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      const policy = expectStrictPage(res);
      expect(policy.get('default-src')).toEqual(["'self'"]);
      expect(policy.get('script-src')).toEqual(["'self'"]);
      // Bull Board's page sets <base href>.
      expect(policy.get('base-uri')).toEqual(["'self'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    });

    describe('in a real browser', () => {
      let browser: Browser;
      let served: Awaited<ReturnType<typeof listenGateway>>;

      beforeAll(async () => {
        served = await listenGateway(gateway);
        browser = await launchBrowser();
      }, 60_000);

      afterAll(async () => {
        await browser?.close();
        await served?.close();
      });

      it('loads and lists the queues with no policy violation', async () => {
        const context = await browser.newContext({
          httpCredentials: { username: 'admin', password: ADMIN_TOKEN },
        });
        const page = await context.newPage();
        const violations: string[] = [];
        const pageErrors: string[] = [];
        page.on('console', (message) => {
          if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
        });
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await page.goto(`${served.url}/admin/queues`);
        await page.getByText('inbound', { exact: true }).first().waitFor({ timeout: 30_000 });
        await page.getByText('outbound', { exact: true }).first().waitFor();
        expect(violations).toEqual([]);
        expect(pageErrors).toEqual([]);
        await context.close();
      }, 60_000);
    });
  });
});
