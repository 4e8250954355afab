import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/app.ts';
import type { Responder } from '../../../src/domain/ports.ts';
import { botTexts } from '../../../src/nlu/texts.ts';
import { sendAgentReply } from '../../../src/pipeline/replies.ts';
import { listenGateway, startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { CHROMIUM_ARGS, ensureChromium } from '../../../src/local/chromium.ts';

const QUESTION = 'How do I reset my password?';
const ANSWER_MD =
  'To reset your password, open **Settings › Security** and choose *Reset password*.';
const ANSWER_TEXT = 'To reset your password, open Settings › Security and choose Reset password.';
const UNANSWERABLE = 'Can you tell me a joke about quantum tax law?';
const HANDOVER = botTexts('en').handoverNoAnswer;
// Web Chat's markdown typesets quotes (I'm → I’m): look for a part without any.
const HANDOVER_SHOWN = 'handing you over to a person';
// A question the stand-in is "not sure" about: it offers choices, one of them QUESTION.
const UNSURE = 'Something about my account?';
const CHOICES = [QUESTION, 'What are your opening hours?'];
const AGENT = 'Dana Agent';
const AGENT_REPLY = 'Hi, Dana here from the support team. I will sort this out.';
// Markup that would run script if any part of the chain rendered it as HTML.
const HOSTILE = [
  'Look: <img src=x onerror="window.__pwned = \'img\'">',
  "<script>window.__pwned = 'script'</script>",
  "[a harmless link](javascript:window.__pwned='link')",
  '<a href="javascript:window.__pwned=\'anchor\'">anchor</a>',
].join(' ');

/**
 * A stand-in for the intent layer: answers the one question the "knowledge base" covers, repeats
 * hostile markup back as markdown (so it is rendered as a bot answer), hands everything else over.
 */
const CHINESE_QUESTION = '我的订单到哪里了？';

const responder: Responder = {
  respond: ({ message }) => {
    if (message.text === QUESTION) {
      return Promise.resolve({
        action: 'reply',
        text: ANSWER_MD,
        markdown: ANSWER_MD,
        counted: 'answer',
        intent: 'reset-password',
      });
    }
    if (message.text === UNSURE) {
      const markdown = `Did you mean:\n\n${CHOICES.map((c, i) => `${i + 1}. ${c}`).join('\n')}`;
      return Promise.resolve({
        action: 'reply',
        text: markdown,
        markdown,
        choices: CHOICES,
        counted: 'miss',
      });
    }
    if (message.text === CHINESE_QUESTION) {
      return Promise.resolve({
        action: 'reply',
        text: '您可以在“我的订单”中查看物流信息。',
        counted: 'answer',
        intent: 'order-status',
        language: 'zh',
      });
    }
    if (message.text.startsWith('Look:')) {
      return Promise.resolve({
        action: 'reply',
        text: message.text,
        markdown: message.text,
        counted: 'answer',
        intent: 'echo',
      });
    }
    return Promise.resolve({
      action: 'escalate',
      reason: 'out of scope',
      text: HANDOVER,
    });
  },
};

const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'webchat');

let gateway: Gateway;
let served: Awaited<ReturnType<typeof listenGateway>>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  const executablePath = ensureChromium();
  const config = testConfig({ OUTBOUND_BACKOFF_MS: '100' });
  gateway = await startTestGateway({
    config,
    responder,
    env: {
      WEBCHAT_TOKEN_SECRET: 'browser-test-secret-0123456789abcdef',
      WEBCHAT_BRAND_NAME: 'Acme Support',
      WEBCHAT_BRAND_COLOR: '#c2185b',
      WEBCHAT_WELCOME_MESSAGE: 'Welcome to **Acme**! How can we help?',
    },
  });
  served = await listenGateway(gateway);
  browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  context = await browser.newContext({ viewport: { width: 480, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await served?.close();
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.queues.inbound.obliterate({ force: true });
  await gateway?.queues.outbound.obliterate({ force: true });
  await gateway?.stop();
});

/** Web Chat's send box. */
function sendBox(p: Page) {
  return p.locator('[data-id="webchat-sendbox-input"]');
}

async function say(p: Page, text: string): Promise<void> {
  await sendBox(p).fill(text);
  await sendBox(p).press('Enter');
}

/** A transcript entry containing the text, rendered by Web Chat. */
function rendered(p: Page, text: string) {
  return p.locator('.webchat__basic-transcript__activity', { hasText: text });
}

describe('web chat in a real browser', () => {
  it('answers a question, hands over what it cannot answer, shows the agent by name, keeps history over a reload', async () => {
    await page.goto(`${served.url}/chat`);
    expect(await page.locator('#switchboard-header').innerText()).toBe('Acme Support');
    await rendered(page, 'Welcome to Acme! How can we help?').waitFor();
    expect(await rendered(page, 'Welcome to Acme!').locator('strong').innerText()).toBe('Acme');

    const sentAt = Date.now();
    await say(page, QUESTION);
    await rendered(page, ANSWER_TEXT).waitFor();
    const answerMs = Date.now() - sentAt;
    // The markdown is rendered (bold).
    expect(await rendered(page, ANSWER_TEXT).locator('strong').innerText()).toBe(
      'Settings › Security',
    );

    await say(page, UNANSWERABLE);
    await rendered(page, HANDOVER_SHOWN).waitFor();

    // The agent answers from the desk (the pipeline's agent reply, as Slack sends it).
    const conversationId = await page.evaluate(
      () =>
        (window as unknown as { switchboardChat: { conversationId: string } }).switchboardChat
          .conversationId,
    );
    const ticket = await waitFor(
      async () =>
        (await gateway.pool.models.Ticket.findOne({
          channel: 'webchat',
          threadKey: conversationId,
        }).lean()) ?? undefined,
      { what: 'the ticket of the conversation' },
    );
    await sendAgentReply(
      { pool: gateway.pool, outbound: gateway.queues.outbound },
      {
        ticketId: String(ticket._id),
        key: 'browser-agent-reply',
        agentId: 'U0DANA',
        agentName: AGENT,
        text: AGENT_REPLY,
      },
    );
    await rendered(page, AGENT_REPLY).waitFor();
    // The agent's name, in bold, on the agent's message.
    expect(await rendered(page, AGENT_REPLY).locator('strong').first().innerText()).toBe(AGENT);
    await page.screenshot({ path: join(ARTIFACTS, 'conversation.png'), fullPage: true });

    // Reload: the same conversation, its history replayed.
    await page.reload();
    await rendered(page, AGENT_REPLY).waitFor();
    for (const text of [QUESTION, ANSWER_TEXT, UNANSWERABLE, HANDOVER_SHOWN]) {
      expect(await rendered(page, text).count()).toBe(1);
    }
    const resumed = await page.evaluate(
      () =>
        (window as unknown as { switchboardChat: { conversationId: string; resumed: boolean } })
          .switchboardChat,
    );
    expect(resumed).toEqual(expect.objectContaining({ conversationId, resumed: true }));
    await page.screenshot({ path: join(ARTIFACTS, 'after-reload.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    console.info(`web chat: question sent → answer rendered in ${answerMs} ms`);
  });

  it("switches Web Chat's own labels to Chinese once the bot answers in Chinese", async () => {
    const zh = await browser.newContext({ viewport: { width: 480, height: 900 }, locale: 'en-US' });
    const p = await zh.newPage();
    p.setDefaultTimeout(20_000);
    await p.goto(`${served.url}/chat`);
    const placeholder = () => sendBox(p).getAttribute('placeholder');
    await sendBox(p).waitFor();
    expect(await placeholder()).toBe('Type your message');
    await say(p, CHINESE_QUESTION);
    await rendered(p, '物流信息').waitFor();
    await p.waitForFunction(
      () =>
        document.querySelector('[data-id="webchat-sendbox-input"]')?.getAttribute('placeholder') !==
        'Type your message',
    );
    expect(await placeholder()).toMatch(/[\u4e00-\u9fff]/u);
    expect(await p.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await zh.close();
  });

  it('renders hostile markup inert: no script runs, no handler or javascript: link in the page', async () => {
    // A new visitor (fresh storage): the first one's ticket now waits for an agent, not the bot.
    const visitor = await browser.newContext();
    const fresh = await visitor.newPage();
    fresh.setDefaultTimeout(20_000);
    fresh.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await checkHostileMarkup(fresh);
    } finally {
      await visitor.close();
    }
    expect(pageErrors).toEqual([]);
  });
});

describe('"did you mean" choices in Web Chat', () => {
  it('shows them as buttons; clicking one sends its text as the visitor, which is answered', async () => {
    const visitor = await browser.newContext();
    try {
      const chat = await visitor.newPage();
      chat.setDefaultTimeout(20_000);
      chat.on('pageerror', (error) => pageErrors.push(error.message));
      await chat.goto(`${served.url}/chat`);
      await rendered(chat, 'Welcome to Acme!').waitFor();
      await say(chat, UNSURE);
      const buttons = chat.locator('.webchat__suggested-actions button');
      await buttons.first().waitFor();
      expect((await buttons.allInnerTexts()).map((t) => t.trim())).toEqual(CHOICES);
      await chat.screenshot({ path: join(ARTIFACTS, 'choices.png') });
      await buttons.filter({ hasText: QUESTION }).click();
      // imBack: the title goes out as the visitor's own message, and the bot answers it.
      await rendered(chat, ANSWER_TEXT).waitFor();
      expect(
        await chat.locator('.webchat__stacked-layout--from-user', { hasText: QUESTION }).count(),
      ).toBe(1);
      // The buttons go once the visitor has answered.
      expect(await buttons.count()).toBe(0);
    } finally {
      await visitor.close();
    }
    expect(pageErrors).toEqual([]);
  });
});

describe('file upload from Web Chat', () => {
  it("sends a picked image through Web Chat's own upload and shows it in the transcript", async () => {
    const visitor = await browser.newContext();
    try {
      const chat = await visitor.newPage();
      chat.setDefaultTimeout(20_000);
      chat.on('pageerror', (error) => pageErrors.push(error.message));
      await chat.goto(`${served.url}/chat`);
      await rendered(chat, 'Welcome to Acme!').waitFor();
      // A 1×1 PNG, picked through Web Chat's upload button (its hidden file input).
      const png = Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        'base64',
      );
      await chat
        .locator('input[type="file"]')
        .setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png });
      // Web Chat 4.18 holds the file in the send box (a badge on the paperclip) until Send.
      await sendBox(chat).press('Enter');
      // The visitor's message with the picture (Web Chat keeps showing its local copy).
      await chat.locator('.webchat__stacked-layout--from-user img').first().waitFor();
      const conversationId = await chat.evaluate(
        () =>
          (window as unknown as { switchboardChat: { conversationId: string } }).switchboardChat
            .conversationId,
      );
      const ticket = await waitFor(
        async () =>
          (await gateway.pool.models.Ticket.findOne({
            channel: 'webchat',
            threadKey: conversationId,
          }).lean()) ?? undefined,
        { what: 'the ticket of the upload' },
      );
      const attachment = await waitFor(
        async () => (await gateway.pool.listMessages(ticket._id))[0]?.attachments[0],
        { what: 'the stored upload message' },
      );
      expect(attachment).toMatchObject({
        name: 'dot.png',
        contentType: 'image/png',
        size: png.length,
      });
      // Stored by the gateway and served from it: the bytes the visitor picked.
      expect(attachment.url?.startsWith(`${served.url}/v3/directline/files/`)).toBe(true);
      const file = await fetch(attachment.url!);
      expect(Buffer.from(await file.arrayBuffer()).equals(png)).toBe(true);
      await chat.screenshot({ path: join(ARTIFACTS, 'upload.png') });
    } finally {
      await visitor.close();
    }
  });
});

describe('the embeddable chat bubble', () => {
  it('adds a bubble in the brand colour to another site; opening it starts the chat', async () => {
    // Another origin with nothing but the one line from docs/configuration.md ("Web chat").
    const site = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<!doctype html><html><body><h1>Shop</h1><script src="${served.url}/chat/embed.js" async></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const visitor = await browser.newContext();
    try {
      const shop = await visitor.newPage();
      shop.setDefaultTimeout(20_000);
      await shop.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
      const bubble = shop.locator('[data-switchboard-chat="bubble"]');
      expect(await bubble.getAttribute('aria-label')).toBe('Chat with Acme Support');
      // An inline SVG icon, not an emoji that needs a font the visitor may not have.
      expect(await bubble.locator('svg path').count()).toBe(1);
      expect((await bubble.textContent())?.trim()).toBe('');
      expect(await bubble.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe(
        'rgb(194, 24, 91)',
      );
      // No conversation before the visitor opens the chat.
      expect(await shop.locator('[data-switchboard-chat="panel"]').getAttribute('src')).toBeNull();
      await bubble.click();
      const chat = shop.frameLocator('[data-switchboard-chat="panel"]');
      await chat
        .locator('.webchat__basic-transcript__activity', { hasText: 'Welcome to Acme!' })
        .waitFor();
      await shop.screenshot({ path: join(ARTIFACTS, 'bubble.png') });
    } finally {
      await visitor.close();
      await new Promise<void>((resolve) => site.close(() => resolve()));
    }
  });
});

async function checkHostileMarkup(page: Page): Promise<void> {
  await page.goto(`${served.url}/chat`);
  await say(page, HOSTILE);
  // The visitor's own message and the bot's markdown rendering of it.
  await waitFor(async () => (await rendered(page, 'Look:').count()) >= 2, {
    what: 'the echo and the bot answer with the hostile markup',
  });
  const rows = rendered(page, 'Look:');
  // Clicking what Web Chat made of the links must not run them either.
  for (const label of ['a harmless link', 'anchor']) {
    const link = rows.last().locator('a', { hasText: label });
    if ((await link.count()) > 0) await link.first().click();
  }
  const found = await page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: string }).__pwned,
    handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,
    scripts: [...document.querySelectorAll('.webchat__basic-transcript script')].length,
    jsLinks: [...document.querySelectorAll('a')].filter((a) =>
      a.getAttribute('href')?.trim().toLowerCase().startsWith('javascript:'),
    ).length,
  }));
  await page.screenshot({ path: join(ARTIFACTS, 'hostile-markup.png'), fullPage: true });
  expect(found).toEqual({ pwned: undefined, handlers: 0, scripts: 0, jsLinks: 0 });
}
