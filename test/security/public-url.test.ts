/**
 * Public URLs never come from the Host header: stream and upload links and the cacheable embed.js
 * use the configured PUBLIC_URL; without one the web chat is served on loopback only, and a
 * gateway listening beyond loopback refuses to start it.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { isSwitchboardError } from '../../src/domain/errors.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';

const WEBCHAT = { WEBCHAT_TOKEN_SECRET: 'public-url-test-secret-0123456789abcdef' };
const gateways: Gateway[] = [];

async function start(config: Record<string, string>): Promise<Gateway> {
  const gateway = await startTestGateway({
    role: 'api',
    config: testConfig({ KB_SEED_ON_START: 'false', ...config }),
    env: WEBCHAT,
  });
  gateways.push(gateway);
  return gateway;
}

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
});

describe('the web chat public URL', () => {
  describe('when PUBLIC_URL is set', () => {
    let gateway: Gateway;
    beforeAll(async () => {
      gateway = await start({ PUBLIC_URL: 'https://support.example.test' });
    });

    it('builds stream URLs and embed.js from it, whatever Host a request forges', async () => {
      const started = await request(gateway.http!)
        .post('/v3/directline/tokens/generate')
        .set('host', 'evil.example');
      expect(started.status).toBe(201);
      expect(started.body.streamUrl).toMatch(/^wss:\/\/support\.example\.test\/v3\/directline\//);
      const embed = await request(gateway.http!).get('/chat/embed.js').set('host', 'evil.example');
      expect(embed.status).toBe(200);
      expect(embed.text).toContain('https://support.example.test');
      expect(embed.text).not.toContain('evil.example');
    });

    it("lets the chat page connect to the gateway's own origin only", async () => {
      const page = await request(gateway.http!).get('/chat');
      expect(page.status).toBe(200);
      const connect = /connect-src ([^;]+)/.exec(String(page.headers['content-security-policy']));
      expect(connect?.[1]?.split(' ').sort()).toEqual(
        ["'self'", 'blob:', 'wss://support.example.test'].sort(),
      );
    });
  });

  describe('when no public URL is set and the gateway listens on loopback', () => {
    it('serves browsers on this machine, and refuses a request naming another host', async () => {
      const gateway = await start({});
      const local = await request(gateway.http!)
        .post('/v3/directline/tokens/generate')
        .set('host', '127.0.0.1:3000');
      expect(local.status).toBe(201);
      expect(local.body.streamUrl).toMatch(/^ws:\/\/127\.0\.0\.1:3000\//);
      const forged = await request(gateway.http!).get('/chat/embed.js').set('host', 'evil.example');
      expect(forged.status).toBe(400);
      expect(forged.text).not.toContain('evil.example/chat');
    });
  });

  describe('when the gateway listens beyond loopback without a public URL', () => {
    it('refuses to start the web chat, naming the setting', async () => {
      const failure = await start({ HOST: '0.0.0.0' }).catch((error: unknown) => error);
      expect(isSwitchboardError(failure) && failure.code).toBe('SB_ERR_CONFIG');
      expect(String((failure as Error).message)).toContain('PUBLIC_URL');
    });
  });
});
