import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { CHROMIUM_ARGS, ensureChromium } from '../../src/local/chromium.ts';
import { articleFolder, seedArticles, startKbGateway } from '../nlu/support.ts';
import { closeServer } from '../support/close-server.ts';
import { testConfig } from '../support/gateway.ts';
import {
  PASSWORD,
  dropDatabase,
  escalatedConversation,
  httpOf,
  makeAccount,
  makeAgent,
} from './support.ts';

const ARTICLES = seedArticles(['order-status', 'password-reset', 'gift-cards']).filter(
  (a) => a.locale === 'en',
);
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

let gateway: Gateway;
let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  gateway = await startKbGateway({
    config: testConfig({ KB_LOCALES: 'en' }),
    seedKnowledgeDir: articleFolder(ARTICLES),
  });
  await makeAccount(gateway, 'admin');
  await makeAccount(gateway, 'agent');
  const carol = await makeAgent(gateway, 'Carol');
  await escalatedConversation(gateway, {
    text: 'Can I collect my order from a locker?',
    agent: { id: carol, name: 'Carol', answer: 'Yes: choose a parcel locker at checkout.' },
    resolve: true,
  });
  await escalatedConversation(gateway, { text: 'do you ship to mars', channel: 'sms' });
  server = httpOf(gateway).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
});

afterAll(async () => {
  await browser?.close();
  if (server) await closeServer(server);
  await gateway.knowledge.training.obliterate({ force: true });
  await dropDatabase(gateway);
  await gateway.stop();
});

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${base}/admin/`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#nav:not([hidden])');
}

describe('admin console in a real browser', () => {
  it('signs in, writes and publishes an article, and the bot then answers with it', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await signIn(page, 'admin@example.test');
    // From here on nothing may fail (before signing in, the session probe answers 401 by design).
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.waitForSelector('tr[data-key="gift-cards.en"]');
    await page.click('#new-article');
    await page.fill('#art-id', 'parcel-lockers');
    await page.fill('#art-title', 'Can I use a parcel locker?');
    await page.fill('#art-tags', 'delivery');
    await page.fill(
      '#art-questions',
      'Can I collect my order from a locker?\nparcel locker delivery',
    );
    await page.fill('#art-answer', 'Yes: pick a **parcel locker** at checkout.');
    await page.click('#art-save');
    await page.waitForSelector('#art-publish');
    // Edit once more, watch the preview, save, publish.
    await page.fill('#art-answer', 'Yes: choose a **parcel locker** at checkout.');
    await page.locator('#art-preview', { hasText: 'choose a parcel locker' }).waitFor();
    expect(await page.textContent('#art-preview strong')).toBe('parcel locker');
    await page.click('#art-save');
    await page.locator('#art-history tbody tr', { hasText: 'edit' }).waitFor();
    // The model box names the published knowledge by its hash: wait for the new one to be live.
    const before = await page.getAttribute('#model-status p[data-locale="en"]', 'data-hash');
    await page.click('#art-publish');
    await page.waitForSelector('#art-status.published');
    await page.waitForSelector(
      `#model-status p[data-locale="en"]:not([data-hash="${before ?? ''}"]) .model-live`,
      { timeout: 120_000 },
    );
    await page.fill('#try-text', 'Can I collect my order from a locker?');
    await page.click('#try-submit');
    await page.waitForSelector('#try-intent');
    expect(await page.textContent('#try-intent')).toBe('parcel-lockers');
    expect(await page.textContent('#try-result .preview')).toContain(
      'choose a parcel locker at checkout',
    );
    const diffRows = await page.$$eval('#art-history tbody tr', (rows) =>
      rows.map((r) => r.children[1]?.textContent),
    );
    expect(diffRows).toEqual(['publish', 'edit', 'create']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('approves a suggested answer and shows the question answered once the model is live', async () => {
    const page = await browser.newPage();
    await signIn(page, 'admin@example.test');
    await page.goto(`${base}/admin/#/learning`);
    const card = page.locator('.suggestion', { hasText: 'Can I collect my order from a locker?' });
    await card.waitFor();
    // The published article covers it: approve as a question variant of that article.
    await card.locator('select').selectOption('variant');
    await card.locator('input[type="text"]').first().fill('parcel-lockers.en');
    await card.locator('button.approve').click();
    await card.locator('.now-answered').waitFor({ timeout: 120_000 });
    expect(await card.locator('.now-answered').textContent()).toContain(
      'Can I use a parcel locker?',
    );
    const unanswered = await page.textContent('#unanswered');
    expect(unanswered).toContain('do you ship to mars');
    await page.close();
  });

  it('renders the dashboard charts with data (screenshot kept as an artifact)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await signIn(page, 'admin@example.test');
    await page.goto(`${base}/admin/#/dashboard`);
    await page.waitForSelector('.charts[data-rendered="true"]');
    // The chart Chart.js drew on the canvas, and the data it drew.
    const volume = await page.evaluate<number>(
      `Chart.getChart(document.getElementById('chart-volume')).data.datasets.flatMap((d) => d.data).reduce((a, b) => a + b, 0)`,
    );
    expect(volume).toBeGreaterThanOrEqual(2);
    const panels = await page.$$eval('.chart', (els) =>
      els.map((e) => e.getAttribute('data-chart')),
    );
    expect(panels).toEqual([
      'volume',
      'self-service',
      'response-times',
      'sla',
      'agent-load',
      'csat',
    ]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({
      path: new URL('admin-dashboard.png', ARTIFACTS).pathname,
      fullPage: true,
    });
    await page.close();
  });

  it('refuses an agent the knowledge-base editor', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'agent@example.test');
    expect(await page.isHidden('#nav a[href="#/learning"]')).toBe(true);
    await page.goto(`${base}/admin/#/article/gift-cards.en`);
    await page.waitForSelector('#art-readonly');
    expect(await page.$('#art-save')).toBeNull();
    expect(await page.isDisabled('#art-answer')).toBe(true);
    // The API refuses it too, whatever the page shows.
    const status = await page.evaluate(async () => {
      const me = (await (await fetch('/api/v1/admin/auth/me')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/admin/articles/gift-cards.en', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ title: 'Gift cards', answer: 'changed by an agent' }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    await context.close();
  });
});
