/**
 * Issue 19 item 1 in a real browser: a site identifies its logged-in user to the chat bubble
 * (docs/identity.md); the gateway checks the signature and every message of the conversation
 * belongs to one contact that owns the signed email, whichever browser the user chats from. A
 * visitor the site does not sign fills in the pre-chat form, whose email stays a claim.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userHash } from '../../../channels/webchat/signed-user.ts';
import type { Gateway } from '../../../src/app.ts';
import type { Responder } from '../../../src/domain/ports.ts';
import { searchContacts } from '../../../src/pool/gdpr.ts';
import { launchBrowser } from '../../support/browser.ts';
import { listenGateway, startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';

const IDENTITY_SECRET = 'site-identity-secret-for-the-browser-test';
const USER = { id: 'user-42', email: 'Jane.Doe@Example.com', name: 'Jane Doe' };
const EMAIL = 'jane.doe@example.com';
/**
 * Waits, in the browser and for the pipeline: twice the other browser tests' 20 s, as one run of
 * this file timed out once on a machine running four engineers' suites on two cores.
 */
const PATIENCE_MS = 40_000;

const responder: Responder = {
  respond: () =>
    Promise.resolve({ action: 'reply', text: 'Thanks!', counted: 'answer', intent: 'thanks' }),
};

let gateway: Gateway;
let served: Awaited<ReturnType<typeof listenGateway>>;
let browser: Browser;
let site: Server;
let siteUrl: string;
/** What the host site's page sets before loading the bubble, per path. */
const settingsFor = new Map<string, unknown>();

beforeAll(async () => {
  gateway = await startTestGateway({
    config: testConfig(),
    responder,
    env: {
      WEBCHAT_TOKEN_SECRET: 'browser-identity-token-secret-0123456789',
      WEBCHAT_IDENTITY_SECRET: IDENTITY_SECRET,
      WEBCHAT_PRECHAT_FORM: 'true',
      WEBCHAT_BRAND_NAME: 'Acme Support',
    },
  });
  served = await listenGateway(gateway);
  // The customer's own site, on another origin: its page sets the signed user, then the one line.
  site = createServer((req, res) => {
    const settings = settingsFor.get(req.url ?? '/') ?? {};
    res.setHeader('content-type', 'text/html');
    res.end(
      `<!doctype html><html><body><h1>Shop</h1>
<script>window.switchboardChatSettings = ${JSON.stringify(settings)};</script>
<script src="${served.url}/chat/embed.js" async></script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await served?.close();
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.queues.inbound.obliterate({ force: true });
  await gateway?.queues.outbound.obliterate({ force: true });
  await gateway?.stop();
});

/** Opens the shop page at `path` in a fresh browser profile and clicks the bubble. */
async function openChat(
  path: string,
): Promise<{ shop: Page; chat: Frame; close(): Promise<void> }> {
  const context = await browser.newContext();
  const shop = await context.newPage();
  shop.setDefaultTimeout(PATIENCE_MS);
  await shop.goto(`${siteUrl}${path}`);
  await shop.locator('[data-switchboard-chat="bubble"]').click();
  const chat = await waitFor(() => shop.frames().find((f) => f.url().includes('/chat?embed=1')), {
    what: 'the chat frame',
    timeoutMs: PATIENCE_MS,
  });
  return { shop, chat, close: () => context.close() };
}

async function say(chat: Frame, text: string): Promise<void> {
  const box = chat.locator('[data-id="webchat-sendbox-input"]');
  await box.fill(text);
  await box.press('Enter');
}

/**
 * The contact of the ticket of the frame's conversation, once its message is stored: through the
 * conversation's thread, since a known contact's new conversation joins their open ticket.
 */
async function contactOfChat(chat: Frame) {
  const conversationId = await waitFor(
    () =>
      chat.evaluate(
        () =>
          (window as unknown as { switchboardChat?: { conversationId: string } }).switchboardChat
            ?.conversationId,
      ),
    { what: 'the conversation id', timeoutMs: PATIENCE_MS },
  );
  const ticket = await waitFor(
    async () => {
      const thread = await gateway.pool.models.Thread.findById(`webchat.${conversationId}`).lean();
      return (thread && (await gateway.pool.getTicket(thread.ticketId))) ?? undefined;
    },
    { what: 'the ticket of the conversation', timeoutMs: PATIENCE_MS },
  );
  return { conversationId, contactId: String(ticket.contactId) };
}

describe('a signed user in the web chat', () => {
  it('lands on one contact that owns the signed email, from two browsers (user hash, then JWT)', async () => {
    settingsFor.set('/hash', {
      user: { ...USER, hash: userHash(IDENTITY_SECRET, USER.id, USER.email) },
    });
    const first = await openChat('/hash');
    let firstChat: { conversationId: string; contactId: string };
    try {
      await say(first.chat, 'Hello from my laptop');
      firstChat = await contactOfChat(first.chat);
    } finally {
      await first.close();
    }
    // Through the pool's own contact search (what the admin API's GET /contacts answers).
    const [contact] = await searchContacts(gateway.pool.models, EMAIL);
    expect(contact?.id).toBe(firstChat.contactId);
    expect(contact?.name).toBe('Jane Doe');
    expect(contact?.identities).toEqual(
      expect.arrayContaining([
        { kind: 'webchat', value: 'user:user-42', verified: true },
        { kind: 'email', value: EMAIL, verified: true },
      ]),
    );

    // Another browser, the site now signing a JWT: another conversation, the same contact.
    const jwt = await new SignJWT({ email: USER.email, name: USER.name })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(USER.id)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(IDENTITY_SECRET));
    settingsFor.set('/jwt', { user: { jwt } });
    const second = await openChat('/jwt');
    try {
      await say(second.chat, 'Hello from my phone');
      const secondChat = await contactOfChat(second.chat);
      expect(secondChat.conversationId).not.toBe(firstChat.conversationId);
      expect(secondChat.contactId).toBe(firstChat.contactId);
    } finally {
      await second.close();
    }
  });

  it('refuses a forged signature: no conversation starts, the page says why', async () => {
    settingsFor.set('/forged', {
      user: {
        id: 'user-42',
        email: 'mallory@example.com',
        hash: userHash(IDENTITY_SECRET, 'user-42', USER.email),
      },
    });
    const forged = await openChat('/forged');
    try {
      await forged.chat.locator('.switchboard-error').waitFor();
      expect(await forged.chat.locator('.switchboard-error').innerText()).toContain(
        'does not match',
      );
    } finally {
      await forged.close();
    }
    const res = await fetch(`${served.url}/v3/directline/tokens/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        user: { id: 'user-42', email: 'mallory@example.com', hash: '0'.repeat(64) },
      }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'SB_ERR_IDENTITY_INVALID',
    );
    expect(await searchContacts(gateway.pool.models, 'mallory@example.com')).toEqual([]);
  });
});

describe('the pre-chat form', () => {
  it('asks a visitor the site does not sign for name and email; the email stays unverified', async () => {
    settingsFor.set('/anonymous', {});
    const visitor = await openChat('/anonymous');
    try {
      const form = visitor.chat.locator('#switchboard-prechat');
      await form.waitFor();
      await form.locator('input[name="name"]').fill('Pat Visitor');
      // The browser's own validation holds a malformed email back.
      await form.locator('input[name="email"]').fill('not-an-email');
      await form.locator('button[type="submit"]').click();
      expect(await form.isVisible()).toBe(true);
      await form.locator('input[name="email"]').fill('pat@example.com');
      await form.locator('button[type="submit"]').click();
      await say(visitor.chat, 'A question before I sign up');
      const { contactId } = await contactOfChat(visitor.chat);
      const [contact] = await searchContacts(gateway.pool.models, 'Pat Visitor');
      expect(contact?.id).toBe(contactId);
      // Claimed, not vouched for: kept on the contact as unverified, which links no one else.
      expect(contact?.identities).toEqual([
        expect.objectContaining({ kind: 'webchat' }),
        expect.objectContaining({ kind: 'email', value: 'pat@example.com', verified: false }),
      ]);
      const link =
        await gateway.pool.models.ContactIdentity.findById('email:pat@example.com').lean();
      expect(link?.verified).toBe(false);
    } finally {
      await visitor.close();
    }
  });
});
