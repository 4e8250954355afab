/**
 * Issue 19: a pre-chat email stays claimed until confirmed. A web chat visitor fills in the form
 * in Chromium; the confirmation mail reaches their Dovecot mailbox through the email channel's
 * nodemailer transport (LMTP); the link, opened in the browser, shows a page whose button
 * confirms; the admin API then shows the email verified. When a customer owns the address
 * verified already (their DKIM-passing mail), confirming merges the visitor into them. State is
 * set only through user-facing paths: the browser, LMTP, the admin API.
 */
import type { Server } from 'node:http';
import type { ParsedMail } from 'mailparser';
import type { Transporter } from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import type { Responder } from '../../src/domain/ports.ts';
import { startLocalDovecot, type LocalDovecot } from '../../src/local/dovecot.ts';
import { findFreePort } from '../../src/local/free-port.ts';
import {
  dovecotMailEnv,
  inboxOf,
  lmtpTransport,
  PASSWORD,
  plainMail,
} from '../channels/email/mail-helpers.ts';
import { DirectLineClient, freshIp } from '../channels/webchat/directline-client.ts';
import { launchBrowser } from '../support/browser.ts';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.ts';

const SUPPORT = 'support@example.test';
const AUTHSERV_ID = 'mx.support.example.test';
const ADMIN = 'Bearer test-admin-token-0123456789';
const BRAND = 'Acme Support';
/** Generous for two shared cores: the browser, the pipeline and the mail poller all wait. */
const PATIENCE_MS = 40_000;

const responder: Responder = {
  respond: () =>
    Promise.resolve({ action: 'reply', text: 'Thanks!', counted: 'answer', intent: 'thanks' }),
};

let dovecot: LocalDovecot;
let gateway: Gateway;
let server: Server;
let publicUrl: string;
let browser: Browser;
let lmtp: Transporter;

beforeAll(async () => {
  dovecot = await startLocalDovecot({
    users: ['support', 'pat', 'jane', 'victim', 'olive'].map((name) => ({
      name,
      password: PASSWORD,
    })),
  });
  // PUBLIC_URL is the address the browser reaches: the port is chosen before the gateway starts.
  const port = await findFreePort();
  publicUrl = `http://127.0.0.1:${port}`;
  gateway = await startTestGateway({
    config: testConfig({ PUBLIC_URL: publicUrl }),
    responder,
    env: {
      WEBCHAT_TOKEN_SECRET: 'confirmation-directline-token-secret-0123456789',
      WEBCHAT_PRECHAT_FORM: 'true',
      WEBCHAT_BRAND_NAME: BRAND,
      ...dovecotMailEnv(dovecot, { address: SUPPORT }),
      EMAIL_AUTHSERV_ID: AUTHSERV_ID,
    },
  });
  const app = gateway.http;
  if (!app) throw new Error('no HTTP app');
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  gateway.attachServer(server);
  browser = await launchBrowser();
  lmtp = lmtpTransport(dovecot);
});

afterAll(async () => {
  lmtp?.close();
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.stop();
  await dovecot?.stop();
});

/** An admin API GET, as the operator's token. */
async function admin<T>(path: string): Promise<T> {
  const res = await request(server).get(`/api/v1/admin${path}`).set('authorization', ADMIN);
  expect(res.status).toBe(200);
  return res.body as T;
}

interface ContactView {
  id: string;
  name: string | null;
  identities: Array<{ kind: string; value: string; verified: boolean | null }>;
}
interface ContactPage {
  contact: ContactView & { mergedInto: string | null };
  mergedFrom: Array<ContactView & { mergedBy: string | null }>;
  tickets: Array<{ id: string; channel: string }>;
}

/** The one contact the admin search finds by name. */
async function contactNamed(name: string): Promise<ContactView> {
  return waitFor(
    async () => {
      const { contacts } = await admin<{ contacts: ContactView[] }>(
        `/contacts?q=${encodeURIComponent(name)}`,
      );
      return contacts.find((c) => c.name === name);
    },
    { what: `the contact ${name}`, timeoutMs: PATIENCE_MS },
  );
}

/**
 * Waits until the first message of the contact's ticket is handled (the transcript shows its
 * intent): the ingest step, confirmation included, is over.
 */
async function handled(name: string): Promise<void> {
  const contact = await contactNamed(name);
  await waitFor(
    async () => {
      const page = await admin<ContactPage>(`/contacts/${contact.id}`);
      const ticketId = page.tickets[0]?.id;
      if (ticketId === undefined) return undefined;
      const view = await admin<{ transcript: Array<{ authorKind: string; intent: unknown }> }>(
        `/tickets/${ticketId}`,
      );
      return view.transcript.some((m) => m.authorKind === 'customer' && m.intent !== null);
    },
    { what: `the message of ${name} handled`, timeoutMs: PATIENCE_MS, intervalMs: 200 },
  );
}

/** A visitor in a fresh browser profile: the pre-chat form, then a first message. */
async function chatAs(visitor: { name: string; email: string }, text: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(PATIENCE_MS);
  await page.goto(`${publicUrl}/chat`);
  const form = page.locator('#switchboard-prechat');
  await form.locator('input[name="name"]').fill(visitor.name);
  await form.locator('input[name="email"]').fill(visitor.email);
  await form.locator('button[type="submit"]').click();
  const box = page.locator('[data-id="webchat-sendbox-input"]');
  await box.fill(text);
  await box.press('Enter');
  await page.locator('.webchat__basic-transcript__activity', { hasText: 'Thanks!' }).waitFor();
  return page;
}

/** The `nth` confirmation mail (in order of arrival) in a Dovecot user's inbox, and its link. */
async function confirmationMail(
  user: string,
  nth = 1,
): Promise<{ mail: ParsedMail; link: string }> {
  const mail = await waitFor(
    async () =>
      (await inboxOf(dovecot, user)).filter((m) => m.subject?.startsWith('Confirm your email'))[
        nth - 1
      ],
    { what: `the confirmation mail to ${user}`, timeoutMs: PATIENCE_MS, intervalMs: 500 },
  );
  const link = new RegExp(`${publicUrl}/confirm-email/\\S+`).exec(mail.text ?? '')?.[0];
  if (link === undefined) throw new Error(`no link in: ${mail.text ?? ''}`);
  return { mail, link };
}

describe('confirming a pre-chat email', () => {
  it('mails a link whose page confirms on its button: the email is then verified', async () => {
    const chat = await chatAs({ name: 'Pat Visitor', email: 'pat@example.test' }, 'Hi there');
    const { mail, link } = await confirmationMail('pat');
    expect(mail.from?.value[0]?.address).toBe(SUPPORT);
    expect(mail.subject).toBe(`Confirm your email address for ${BRAND}`);
    // Personal-data light: neither the visitor's name nor their words.
    expect(mail.text).not.toContain('Pat');
    expect(mail.text).not.toContain('Hi there');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

    // Opening the link (what a mail scanner does) confirms nothing.
    const page = chat;
    const shown = await page.goto(link);
    expect(shown?.status()).toBe(200);
    expect(shown?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
    const before = await contactNamed('Pat Visitor');
    expect(before.identities).toContainEqual({
      kind: 'email',
      value: 'pat@example.test',
      verified: false,
    });

    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();
    const after = await admin<ContactPage>(`/contacts/${before.id}`);
    expect(after.contact.identities).toContainEqual({
      kind: 'email',
      value: 'pat@example.test',
      verified: true,
    });

    // The link is single-use: opened again, a clear page with the error code.
    const again = await page.goto(link);
    expect(again?.status()).toBe(400);
    await page.getByText('This confirmation link was used already').waitFor();
    await page.getByText('SB_ERR_CONFIRMATION_INVALID').waitFor();
    // A tampered link: the same page, saying it is not valid.
    const tampered = await page.goto(`${link.slice(0, -3)}AAA`);
    expect(tampered?.status()).toBe(400);
    await page.getByText('This confirmation link is not valid').waitFor();
    await page.context().close();
  });

  it('merges the visitor into the customer who owns the address verified', async () => {
    // Jane is a customer already: her mail passed DKIM, so her address is verified on her contact.
    const first = plainMail({
      from: 'jane@example.test',
      to: SUPPORT,
      subject: 'Where is my parcel?',
      extra: {
        From: 'Jane Customer <jane@example.test>',
        'Authentication-Results': `${AUTHSERV_ID}; dkim=pass header.d=example.test header.s=sel`,
      },
    });
    await lmtp.sendMail({ envelope: { from: 'jane@example.test', to: [SUPPORT] }, raw: first.raw });
    const jane = await contactNamed('Jane Customer');
    expect(jane.identities).toContainEqual({
      kind: 'email',
      value: 'jane@example.test',
      verified: true,
    });

    // She chats without signing in and types her address: a contact of its own, a claim only.
    const chat = await chatAs({ name: 'Jane Visitor', email: 'jane@example.test' }, 'Any news?');
    const visitor = await contactNamed('Jane Visitor');
    expect(visitor.id).not.toBe(jane.id);
    const { link } = await confirmationMail('jane');

    await chat.goto(link);
    await chat.getByRole('button', { name: 'Confirm my email address' }).click();
    await chat.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();

    const page = await admin<ContactPage>(`/contacts/${jane.id}`);
    expect(page.mergedFrom).toEqual([
      expect.objectContaining({ id: visitor.id, mergedBy: 'email-confirmation' }),
    ]);
    // The chat joined her history: her email ticket and the web chat's.
    expect(page.tickets.map((t) => t.channel).sort()).toEqual(['email', 'webchat']);
    const { events } = await admin<{ events: Array<{ action: string; subject: string }> }>(
      '/audit?actor=email-confirmation',
    );
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'contact.merged', subject: `contact:${jane.id}` }),
    );
    await chat.context().close();
  });

  it('mails an address a hostile visitor types from many browsers at most 3 times a day', async () => {
    const client = new DirectLineClient(publicUrl);
    // Five browsers (five visitors, five contacts), each typing the same victim's address.
    for (let i = 1; i <= 5; i += 1) {
      const started = await request(publicUrl)
        .post('/v3/directline/tokens/generate')
        .set('x-forwarded-for', freshIp())
        .send({ prechat: { name: `Mallory ${i}`, email: 'victim@example.test' } });
      expect(started.status).toBe(201);
      const conversation = started.body as {
        conversationId: string;
        token: string;
        userId: string;
      };
      expect((await client.say(conversation, `Spam ${i}`)).status).toBe(200);
      await client.pollFor(
        conversation.conversationId,
        conversation.token,
        '',
        (a) => a.text === 'Thanks!',
        `the answer to visitor ${i}`,
      );
    }
    // Every message handled: its confirmation was sent (or refused) before that.
    for (let i = 1; i <= 5; i += 1) await handled(`Mallory ${i}`);
    const mails = await waitFor(
      async () => {
        const found = (await inboxOf(dovecot, 'victim')).filter((m) =>
          m.subject?.startsWith('Confirm your email'),
        );
        return found.length >= 3 ? found : undefined;
      },
      { what: 'the confirmation mails to the victim', timeoutMs: PATIENCE_MS, intervalMs: 500 },
    );
    expect(mails).toHaveLength(3);
    // Every visitor's address stays a claim.
    const visitors: ContactView[] = [];
    for (let i = 1; i <= 5; i += 1) visitors.push(await contactNamed(`Mallory ${i}`));
    for (const visitor of visitors)
      expect(visitor.identities).not.toContainEqual(
        expect.objectContaining({ kind: 'email', verified: true }),
      );

    // Erasing the first visitor (GDPR) deletes the link waiting for them: it no longer works.
    const link = new RegExp(`${publicUrl}/confirm-email/\\S+`).exec(mails[0]?.text ?? '')?.[0];
    expect(link).toBeDefined();
    const erased = await request(server)
      .post(`/api/v1/admin/contacts/${visitors[0]?.id ?? ''}/erase`)
      .set('authorization', ADMIN);
    expect(erased.status).toBe(200);
    expect((erased.body as { counts: Record<string, unknown> }).counts).toMatchObject({
      emailConfirmations: 1,
    });
    const page = await request(server).get(link?.slice(publicUrl.length) ?? '');
    expect(page.status).toBe(400);
    expect(page.text).toContain('SB_ERR_CONFIRMATION_INVALID');
  });

  it('lets the owner confirm an address another visitor typed first', async () => {
    const mallory = await chatAs({ name: 'Mallory First', email: 'olive@example.test' }, 'Hello');
    await mallory.context().close();
    await confirmationMail('olive', 1);
    const olive = await chatAs({ name: 'Olive Owner', email: 'olive@example.test' }, 'Hi, Olive');
    // The second mail is Olive's (the first went out for Mallory's chat).
    const { link } = await confirmationMail('olive', 2);
    await olive.goto(link);
    await olive.getByRole('button', { name: 'Confirm my email address' }).click();
    await olive.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();
    await olive.context().close();

    const owner = await contactNamed('Olive Owner');
    expect(owner.identities).toContainEqual({
      kind: 'email',
      value: 'olive@example.test',
      verified: true,
    });
    // The one who only typed it no longer lists it; an agent still sees the pair.
    const claimant = await contactNamed('Mallory First');
    expect(claimant.identities.map((i) => i.kind)).toEqual(['webchat']);
    const page = await admin<{ suggestions: Array<{ contacts: Array<{ id: string }> }> }>(
      `/contacts/${owner.id}`,
    );
    expect(page.suggestions.flatMap((x) => x.contacts.map((c) => c.id))).toContain(claimant.id);
  });
});
