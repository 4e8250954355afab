import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createGateway, type Gateway } from '../../src/app.ts';
import type { ArticleContent } from '../../src/domain/article.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/metrics.ts';
import { testConfig, waitFor } from '../support/gateway.ts';
import { FakeTwilio } from '../channels/sms/fake-twilio.ts';
import { articleFolder, seedArticles } from '../nlu/support.ts';

const PUBLIC_URL = 'https://support.example.test';
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';

/** An article written to break out of the page if anything were left unescaped. */
const HOSTILE: ArticleContent = {
  id: 'hostile-title',
  locale: 'en',
  title: 'Tricky <script>alert(1)</script> & "quotes"',
  tags: [],
  questions: ['what about the tricky article'],
  answer: 'Click [here](javascript:alert(1)) or <img src=x onerror=alert(1)> **bold**.',
};
const ARTICLES = [
  ...seedArticles(['order-status', 'password-reset', 'how-to-return', 'opening-hours']),
  HOSTILE,
];
const folder = articleFolder(ARTICLES);

let gateway: Gateway;
let fake: FakeTwilio;

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  const config = testConfig({ PUBLIC_URL });
  // Seeded from a folder (KB_SEED_DIR's path) and trained as `start` does: the help centre and the
  // bot read the same published articles.
  gateway = await createGateway({
    config,
    role: 'all',
    mongoUri: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    logger: createLogger({ level: config.LOG_LEVEL }),
    metrics: new Metrics({ collectDefaults: false }),
    seedKnowledgeDir: folder,
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: '+14155550100',
      SMS_PUBLIC_URL: PUBLIC_URL,
      SMS_MAX_SEGMENTS: '1',
      TWILIO_API_BASE_URL: fake.url,
    },
  });
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.knowledge.training.obliterate({ force: true });
  await gateway.stop();
  await fake.stop();
  rmSync(folder, { recursive: true, force: true });
});

const app = () => gateway.http!;

describe('help centre', () => {
  describe('when a visitor opens the index', () => {
    it('lists the published articles of the negotiated locale, with a search box', async () => {
      const en = await request(app()).get('/help').set('accept-language', 'en-GB,en;q=0.8');
      expect(en.status).toBe(200);
      expect(en.headers['content-type']).toMatch(/^text\/html/);
      expect(en.text).toContain('Where is my order?');
      expect(en.text).toContain('href="/help/order-status?lang=en"');
      expect(en.text).toContain('name="q"');
      expect(en.text).not.toContain('怎么重置密码');

      const zh = await request(app()).get('/help').set('accept-language', 'zh-CN,zh;q=0.9');
      expect(zh.text).toContain('怎么重置密码？');
      expect(zh.text).toContain('<html lang="zh">');
      expect(zh.text).toContain('帮助中心');
      // An explicit lang wins over the browser's languages.
      const asked = await request(app()).get('/help?lang=en').set('accept-language', 'zh');
      expect(asked.text).toContain('Where is my order?');
    });

    it('searches within the locale and says when nothing matches', async () => {
      const hits = await request(app()).get('/help').query({ lang: 'en', q: 'forgot password' });
      expect(hits.status).toBe(200);
      expect(hits.text).toContain('href="/help/password-reset?lang=en"');
      expect(hits.text).not.toContain('href="/help/opening-hours?lang=en"');
      // Only hits near the best: "order" fuzzily touches the returns article too (score 2.5
      // against 14.4), which is noise on a results page.
      const order = await request(app()).get('/help').query({ lang: 'en', q: 'order' });
      expect(order.text).toContain('href="/help/order-status?lang=en"');
      expect(order.text).not.toContain('href="/help/how-to-return?lang=en"');
      const zh = await request(app()).get('/help').query({ lang: 'zh', q: '忘记密码' });
      expect(zh.text).toContain('href="/help/password-reset?lang=zh"');
      const none = await request(app()).get('/help').query({ lang: 'en', q: 'xylophone zebra' });
      expect(none.text).toContain('No article matches');
    });
  });

  describe('when a visitor opens an article', () => {
    it('renders its answer as HTML, links its other locale and runs no script', async () => {
      const res = await request(app()).get('/help/password-reset?lang=en');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/<h1>[^<]*password[^<]*<\/h1>/i);
      expect(res.text).toContain('hreflang="zh" href="/help/password-reset?lang=zh"');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/script-src/);
      expect(res.text).not.toMatch(/<script/i);
      const css = await request(app()).get('/help/help.css');
      expect(css.status).toBe(200);
      expect(css.headers['content-type']).toMatch(/^text\/css/);
    });

    it('escapes what an author wrote and drops unsafe markup and links', async () => {
      const res = await request(app()).get('/help/hostile-title?lang=en');
      expect(res.status).toBe(200);
      expect(res.text).toContain(
        'Tricky &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;quotes&#34;',
      );
      expect(res.text).not.toMatch(/<script|onerror|javascript:/i);
      expect(res.text).toContain('<strong>bold</strong>');
    });

    it('answers 404 for an unknown or malformed article id', async () => {
      expect((await request(app()).get('/help/no-such-article')).status).toBe(404);
      expect((await request(app()).get(`/help/${'A'.repeat(300)}`)).status).toBe(404);
      expect((await request(app()).get('/help/..%2Fadmin')).status).toBe(404);
    });
  });

  describe('when the bot answers an SMS with an article too long for one segment', () => {
    it('cuts it with a link to the article page, and the link serves that article', async () => {
      // createGateway returns once the worker role has its models (trained from the seed folder).
      const from = `+1415555${(randomBytes(2).readUInt16BE(0) % 9000) + 1000}`;
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const form: Record<string, string> = {
        ...(JSON.parse(
          readFileSync(new URL('../fixtures/sms/inbound-sms.json', import.meta.url), 'utf8'),
        ) as Record<string, string>),
        From: from,
        Body: 'I forgot my password, how do I reset it?',
        MessageSid: sid,
        SmsSid: sid,
        SmsMessageSid: sid,
      };
      const signature = twilio.getExpectedTwilioSignature(
        AUTH_TOKEN,
        `${PUBLIC_URL}/channels/sms/twilio`,
        form,
      );
      const res = await request(app())
        .post('/channels/sms/twilio')
        .type('form')
        .set('X-Twilio-Signature', signature)
        .send(form);
      expect(res.status).toBe(200);
      const body = await waitFor(() => fake.to(from)[0]?.form['Body'], {
        timeoutMs: 30_000,
        what: "the bot's SMS answer",
      });
      // The link, then the question the customer is to answer, which survives the cut.
      expect(body).toMatch(
        /\.\.\. https:\/\/support\.example\.test\/help\/password-reset\?lang=en\n\nDid that answer your question\? Reply yes or no\.$/,
      );
      const link = /https:\/\/\S+/.exec(body)?.[0] ?? '';
      const page = await request(app()).get(link.slice(link.indexOf('/help/')));
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<h1>[^<]*password[^<]*<\/h1>/i);
    });
  });
});
