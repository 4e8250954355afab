/**
 * Issue 19's scripted journey: one customer on every channel, through the real parts only. A
 * signed user of the site chats in Chromium and is handed to a person; they leave the page, and
 * the agent's answer from the console, with a PDF, reaches their Dovecot mailbox (the PDF byte
 * for byte) as well as the chat; they reply by email (DKIM passing, per the receiving server's
 * Authentication-Results), then text from the phone the site signed. Everything is one ticket,
 * one Slack card and one SLA, and the contact holds the web chat user, the email and the phone,
 * all verified. State is set only through user-facing paths: the browser, LMTP, Twilio's signed
 * webhook, the admin API.
 */
import { SignJWT } from 'jose';
import type { Transporter } from 'nodemailer';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDovecot, type LocalDovecot } from '../../src/local/dovecot.ts';
import {
  dovecotMailEnv,
  headerIds,
  inboxOf,
  lmtpTransport,
  PASSWORD,
  plainMail,
} from '../channels/email/mail-helpers.ts';
import { FakeTwilio } from '../channels/sms/fake-twilio.ts';
import { AGENTS, DeskHarness } from '../desk/harness.ts';
import { launchBrowser } from '../support/browser.ts';
import { answerWithFile, replyWithFiles } from '../support/file-link.ts';
import { listenGateway, waitFor } from '../support/gateway.ts';
import { customerTexts, type SmsSettings } from '../support/twilio-webhook.ts';

const IDENTITY_SECRET = 'journey-site-identity-secret-0123456789';
const AUTHSERV_ID = 'mx.support.example.test';
const SUPPORT = 'support@example.test';
/** The customer as the site knows them: its user id, the email and phone it signs. */
const CUSTOMER = {
  id: 'shop-user-7',
  name: 'Jane Journey',
  email: 'jane@customer.example',
  phone: '+14155550199',
  /** Her Dovecot mailbox (Dovecot's user is the address's local part). */
  mailbox: 'jane',
};
const SMS: SmsSettings = {
  accountSid: 'AC0123456789abcdef0123456789abcdef',
  authToken: 'test-auth-token-0123456789abcdef',
  ourNumber: '+14155550100',
  publicUrl: 'https://support.example.test',
};
const ADMIN = 'Bearer test-admin-token-0123456789';
/** Waits in the browser and for the pipeline, generous for two shared cores. */
const PATIENCE_MS = 40_000;
/** The visitor counts as gone this long after the page closed (WEBCHAT_PRESENCE_SECONDS). */
const PRESENCE_SECONDS = 2;

const FIRST_QUESTION = 'My order 4471 arrived without the charger';
const FIRST_ANSWER = 'Sorry Jane, a charger is on its way to you today: here is the receipt.';
/** The receipt the agent attaches: every byte value in it, so any re-encoding shows. */
const RECEIPT = {
  name: 'receipt-4471.pdf',
  type: 'application/pdf',
  bytes: Buffer.concat([
    Buffer.from('%PDF-1.7\n'),
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    Buffer.from('\n%%EOF\n'),
  ]),
};
const BY_EMAIL = 'Thanks, will it need a signature on delivery?';
const BY_SMS = 'Texting from the bus: can it go to my office instead?';
const SECOND_ANSWER = 'Yes, we changed the address to your office.';

let h: DeskHarness;
let twilio: FakeTwilio;
let dovecot: LocalDovecot;
let served: Awaited<ReturnType<typeof listenGateway>>;
let browser: Browser;
let context: BrowserContext;
let lmtp: Transporter;

beforeAll(async () => {
  dovecot = await startLocalDovecot({
    users: [
      { name: 'support', password: PASSWORD },
      { name: CUSTOMER.mailbox, password: PASSWORD },
    ],
  });
  twilio = await new FakeTwilio().start();
  h = await DeskHarness.start({
    env: {
      WEBCHAT_TOKEN_SECRET: 'journey-directline-token-secret-0123456789',
      WEBCHAT_IDENTITY_SECRET: IDENTITY_SECRET,
      WEBCHAT_PRESENCE_SECONDS: String(PRESENCE_SECONDS),
      TWILIO_ACCOUNT_SID: SMS.accountSid,
      TWILIO_AUTH_TOKEN: SMS.authToken,
      TWILIO_FROM_NUMBER: SMS.ourNumber,
      SMS_PUBLIC_URL: SMS.publicUrl,
      TWILIO_API_BASE_URL: twilio.url,
      ...dovecotMailEnv(dovecot, { address: SUPPORT }),
      EMAIL_AUTHSERV_ID: AUTHSERV_ID,
    },
  });
  served = await listenGateway(h.gateway);
  browser = await launchBrowser();
  // One browser profile: the customer's own, kept across pages.
  context = await browser.newContext();
  lmtp = lmtpTransport(dovecot);
});

afterAll(async () => {
  lmtp?.close();
  await context?.close();
  await browser?.close();
  await served?.close();
  await h?.stop();
  await twilio?.stop();
  await dovecot?.stop();
});

/** The full-page chat as the site's signed user (the fragment docs/identity.md describes). */
async function openChat(jwt: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(PATIENCE_MS);
  await page.goto(`${served.url}/chat#user=${encodeURIComponent(JSON.stringify({ jwt }))}`);
  return page;
}

/** A transcript entry containing the text, as Web Chat renders it. */
function rendered(page: Page, text: string) {
  return page.locator('.webchat__basic-transcript__activity', { hasText: text });
}

/** An admin API GET, as the operator's token. */
async function admin<T>(path: string): Promise<T> {
  const res = await request(h.http).get(`/api/v1/admin${path}`).set('authorization', ADMIN);
  expect(res.status).toBe(200);
  return res.body as T;
}

interface TicketView {
  ticket: Record<string, unknown> & { _id: string; status: string };
  contact: { id: string; identities: Array<{ kind: string; value: string; verified?: boolean }> };
  earlierTickets: unknown[];
  transcript: Array<{
    channel: string;
    direction: string;
    authorKind: string;
    text: string;
    attachments?: Array<{ name: string; link?: string }>;
  }>;
}

/** The customer's transcript once it holds a message with `text`. */
function transcriptWith(ticketId: string, text: string): Promise<TicketView> {
  return waitFor(
    async () => {
      const view = await admin<TicketView>(`/tickets/${ticketId}`);
      return view.transcript.some((m) => m.text.includes(text)) ? view : undefined;
    },
    { what: `"${text}" in the ticket`, timeoutMs: PATIENCE_MS },
  );
}

describe('one customer on every channel', () => {
  it('web chat, then email, then SMS: one ticket, one card, one SLA, one verified contact', async () => {
    const jwt = await new SignJWT({
      email: CUSTOMER.email,
      phone: CUSTOMER.phone,
      name: CUSTOMER.name,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(CUSTOMER.id)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(IDENTITY_SECRET));

    // 1. Web chat, signed: the bot hands over, one card in Slack.
    const chat = await openChat(jwt);
    const box = chat.locator('[data-id="webchat-sendbox-input"]');
    await box.fill(FIRST_QUESTION);
    await box.press('Enter');
    await rendered(chat, FIRST_QUESTION).waitFor();
    const card = await h.cardFor(CUSTOMER.name);
    const queued = await waitFor(
      async () => {
        const view = await admin<TicketView>(`/tickets/${card.ticketId}`);
        return view.ticket.status === 'queued' && view.ticket['firstResponseDueAt']
          ? view
          : undefined;
      },
      { what: 'the ticket queued with its SLA', timeoutMs: PATIENCE_MS },
    );
    const sla = {
      slaPolicy: queued.ticket['slaPolicy'],
      firstResponseDueAt: queued.ticket['firstResponseDueAt'],
      resolutionDueAt: queued.ticket['resolutionDueAt'],
    };

    // 2. The customer leaves; an agent answers from the console with a PDF (taking the ticket).
    await chat.close();
    await new Promise((resolve) => setTimeout(resolve, (PRESENCE_SECONDS + 1) * 1000));
    const desk = await h.consoleAgent('ada', 'Ada');
    await answerWithFile(desk, card.ticketId, FIRST_ANSWER, RECEIPT);
    // Continue by email: the answer is in her mailbox, read back over IMAP.
    const emailed = await waitFor(
      async () =>
        (await inboxOf(dovecot, CUSTOMER.mailbox)).find((m) => m.text?.includes(FIRST_ANSWER)),
      { what: 'the answer in the customer mailbox', timeoutMs: PATIENCE_MS },
    );
    expect(emailed.from?.value[0]?.address).toBe(SUPPORT);
    // With the PDF attached, byte for byte.
    expect(emailed.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      [RECEIPT.name, RECEIPT.type],
    ]);
    expect(emailed.attachments[0]?.content.equals(RECEIPT.bytes)).toBe(true);
    expect(emailed.to && !Array.isArray(emailed.to) ? emailed.to.value[0]?.address : '').toBe(
      CUSTOMER.email,
    );
    // And in the chat when she comes back to the page.
    const back = await openChat(jwt);
    await rendered(back, FIRST_ANSWER).waitFor();
    expect(await rendered(back, FIRST_QUESTION).count()).toBe(1);
    await back.close();

    // 3. She answers the mail (DKIM passing, as her receiving server says): the same ticket.
    const reply = plainMail({
      from: CUSTOMER.email,
      to: SUPPORT,
      subject: `Re: ${emailed.subject ?? ''}`,
      text: `${BY_EMAIL}\n`,
      extra: {
        // mailparser keeps the angle brackets of Message-ID.
        'In-Reply-To': emailed.messageId ?? '',
        References: [
          ...headerIds(emailed, 'references').map((id) => `<${id}>`),
          emailed.messageId ?? '',
        ].join(' '),
        'Authentication-Results': `${AUTHSERV_ID}; dkim=pass header.d=customer.example header.s=sel`,
      },
    });
    await lmtp.sendMail({ envelope: { from: CUSTOMER.email, to: [SUPPORT] }, raw: reply.raw });
    await transcriptWith(card.ticketId, BY_EMAIL);

    // 4. She texts from the phone the site signed: the same ticket; the answer goes by SMS.
    expect(await customerTexts(h.http, SMS, CUSTOMER.phone, BY_SMS)).toBe(200);
    await transcriptWith(card.ticketId, BY_SMS);
    expect((await replyWithFiles(desk, card.ticketId, SECOND_ANSWER, [])).status).toBe(202);
    await waitFor(
      () => twilio.to(CUSTOMER.phone).some((r) => r.form['Body']?.includes(SECOND_ANSWER)),
      { what: 'the answer by SMS', timeoutMs: PATIENCE_MS },
    );

    // 5. One ticket, its messages on every channel in order, one card, one SLA, one contact.
    const view = await transcriptWith(card.ticketId, SECOND_ANSWER);
    const list = await admin<{ total: number; tickets: Array<{ id: string }> }>('/tickets');
    expect(list.tickets.map((t) => t.id)).toEqual([card.ticketId]);
    expect(view.earlierTickets).toEqual([]);
    const inbound = view.transcript.filter((m) => m.direction === 'in');
    expect(inbound.map((m) => [m.channel, m.text.trim()])).toEqual([
      ['webchat', FIRST_QUESTION],
      ['email', expect.stringContaining(BY_EMAIL)],
      ['sms', BY_SMS],
    ]);
    const agents = view.transcript.filter((m) => m.authorKind === 'agent');
    expect(agents.map((m) => m.channel)).toEqual(expect.arrayContaining(['webchat', 'sms']));
    expect(agents.find((m) => m.text.includes(SECOND_ANSWER))?.channel).toBe('sms');
    // The agent sees the file in the console's timeline, behind a signed link.
    const withFile = agents.find((m) => m.text.includes(FIRST_ANSWER));
    expect(withFile?.attachments).toEqual([
      expect.objectContaining({ name: RECEIPT.name, link: expect.stringContaining('sig=') }),
    ]);
    const cards = h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args['channel'] === AGENTS && !c.args['thread_ts']);
    expect(cards).toHaveLength(1);
    // ...and in the card's thread in Slack: the answer went out with the PDF (names and sizes;
    // links need PUBLIC_URL, docs/files.md).
    const fileInSlack = h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args['thread_ts'] === card.ts)
      .find((c) => String(c.args['text']).includes(RECEIPT.name));
    expect(String(fileInSlack?.args['text'])).toContain(FIRST_ANSWER.slice(0, 20));
    expect({
      slaPolicy: view.ticket['slaPolicy'],
      firstResponseDueAt: view.ticket['firstResponseDueAt'],
      resolutionDueAt: view.ticket['resolutionDueAt'],
    }).toEqual(sla);

    // Her mail's sender is her contact: without the trusted header the mail would still thread
    // into the ticket, but its From would be a contact of its own (a merge suggestion).
    const { contacts } = await admin<{ contacts: Array<{ id: string }> }>(
      `/contacts?q=${encodeURIComponent(CUSTOMER.email)}`,
    );
    expect(contacts.map((c) => c.id)).toEqual([view.contact.id]);
    expect(
      view.contact.identities.map(({ kind, value, verified }) => ({ kind, value, verified })),
    ).toEqual(
      expect.arrayContaining([
        { kind: 'webchat', value: `user:${CUSTOMER.id}`, verified: true },
        { kind: 'email', value: CUSTOMER.email, verified: true },
        { kind: 'phone', value: CUSTOMER.phone, verified: true },
      ]),
    );
    expect(view.contact.identities).toHaveLength(3);
    // The SMS answer went by SMS only: her mailbox holds the one email copy.
    expect(
      (await inboxOf(dovecot, CUSTOMER.mailbox)).filter((m) => m.text?.includes(SECOND_ANSWER)),
    ).toEqual([]);
  }, 240_000);
});
