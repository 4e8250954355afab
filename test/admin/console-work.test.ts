/**
 * Issue 16, item 5: a team without Slack answers customers from the console. In Chromium, an agent
 * account takes an escalated API-channel ticket, answers (the customer's integration receives it),
 * writes a note, sees the customer's next message arrive without reloading, and releases it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { launchBrowser } from '../support/browser.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { HoursResponder } from '../support/hours-responder.ts';
import { listenGateway, startTestGateway, testConfig, waitFor } from '../support/gateway.ts';
import { FakeTwilio } from '../channels/sms/fake-twilio.ts';
import { makeAccount, PASSWORD } from './support.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

let gateway: Gateway;
let receiver: CallbackReceiver;
let served: Awaited<ReturnType<typeof listenGateway>>;
let browser: Browser;
let apiKey = '';
let seq = 0;
/** Twilio's API, so the SMS channel is on and a customer with a phone has a second channel. */
let twilioApi: FakeTwilio;

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  twilioApi = await new FakeTwilio().start();
  gateway = await startTestGateway({
    config: testConfig(),
    responder: new HoursResponder(),
    env: {
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef',
      TWILIO_FROM_NUMBER: '+14155550100',
      SMS_PUBLIC_URL: 'https://support.example.test',
      TWILIO_API_BASE_URL: twilioApi.url,
    },
  });
  apiKey = (
    await createIntegration(gateway.pool.models, { name: 'shop', callbackUrl: receiver.url })
  ).apiKey;
  await makeAccount(gateway, 'agent', 'ann@example.test');
  served = await listenGateway(gateway);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
  await receiver.stop();
  await twilioApi.stop();
});

async function customerWrites(
  text: string,
  conversationId = 'conv-console-work',
  phone?: string,
): Promise<void> {
  seq += 1;
  const res = await request(gateway.http!)
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${apiKey}`)
    .send({
      messageId: `m-${seq}`,
      conversationId,
      from: {
        id: `cust-${conversationId}`,
        name: 'Ada Customer',
        email: `${conversationId}@example.com`,
        ...(phone ? { phone } : {}),
      },
      text,
    });
  expect(res.status).toBe(202);
}

const delivered = () => receiver.received.map((r) => (JSON.parse(r.body) as { text: string }).text);

async function signIn(page: Page, email = 'ann@example.test'): Promise<void> {
  await page.goto(`${served.url}/admin/`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#nav:not([hidden])');
}

describe('the tickets list and view (issue 23 item 3)', () => {
  it('pages through every ticket, shows what handed-over customers wrote, renders answers, and says why nobody can be assigned', async () => {
    await makeAccount(gateway, 'admin', 'root@example.test');
    await customerWrites('What are your opening hours?', 'conv-hours');
    for (let i = 0; i < 27; i += 1) await customerWrites(`Parcel ${i} never arrived`, `conv-p${i}`);
    await waitFor(async () => (await gateway.pool.models.Ticket.countDocuments({})) === 28, {
      what: '28 tickets',
    });
    await waitFor(
      async () => (await gateway.pool.models.Ticket.countDocuments({ status: 'queued' })) === 27,
    );
    const page = await browser.newPage();
    // The sign-in page shows no navigation (nav's display rule used to override `hidden`).
    await page.goto(`${served.url}/admin/`);
    await page.waitForSelector('#login-email');
    expect(await page.isVisible('#nav a[href="#/tickets"]')).toBe(false);
    await signIn(page, 'root@example.test');
    expect(await page.isVisible('#nav a[href="#/tickets"]')).toBe(true);
    await page.goto(`${served.url}/admin/#/tickets`);
    await page.waitForSelector('tbody tr');
    expect(await page.textContent('#tickets-total')).toBe('1–25 of 28 tickets');
    expect(await page.locator('tbody tr').count()).toBe(25);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'console-tickets.png'), fullPage: true });
    // A handed-over API customer has no subject line: the first words of the message show.
    expect(await page.textContent('tbody')).toContain('Parcel 26 never arrived');
    await page.click('#tickets-next');
    await page.waitForFunction(
      () => document.querySelector('#tickets-total')?.textContent === '26–28 of 28 tickets',
    );
    expect(await page.locator('tbody tr').count()).toBe(3);

    const hours = await gateway.pool.models.Ticket.findOne({ status: 'bot' }).lean();
    await page.goto(`${served.url}/admin/#/ticket/${String(hours!._id)}`);
    await page.waitForSelector('.transcript .rendered strong');
    expect(await page.textContent('.transcript .rendered strong')).toBe('9–17');
    expect(await page.textContent('.transcript')).not.toContain('**');
    // Nobody is an agent yet: the empty Reassign list says why and what to do.
    expect(await page.textContent('#reassign-hint')).toContain('switchboard agent enrol');
    await page.screenshot({ path: join(ARTIFACTS, 'console-ticket.png'), fullPage: true });
    await page.close();
  });
});

describe('working a ticket in the console', () => {
  it('takes, answers, notes, sees new messages live, and releases', async () => {
    await customerWrites('My invoice shows the wrong address');
    const ticket = await waitFor(async () =>
      gateway.pool.models.Ticket.findOne({ preview: 'My invoice shows the wrong address' }).lean(),
    );
    await waitFor(
      async () => (await gateway.pool.getTicket(String(ticket._id)))?.status === 'queued',
    );
    const id = String(ticket._id);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await signIn(page);
    await page.goto(`${served.url}/admin/#/ticket/${id}`);

    await page.click('#ticket-take');
    await page.waitForSelector('#ticket-release');
    const taken = await gateway.pool.getTicket(id);
    expect(taken?.status).toBe('assigned');

    await page.fill('#ticket-reply', 'Sorry about that: the corrected invoice is on its way.');
    await page.click('#ticket-send');
    await waitFor(
      () => delivered().includes('Sorry about that: the corrected invoice is on its way.'),
      { what: 'the console answer at the customer' },
    );

    await page.fill('#ticket-note', 'Billing address was changed last week');
    await page.click('#ticket-add-note');
    await page.locator('#ticket-notes', { hasText: 'Billing address was changed' }).waitFor();
    expect(delivered().some((t) => t.includes('Billing address'))).toBe(false);

    // An answer with a file: "Attach" uploads it; the API channel gets its link (no files there).
    await page.setInputFiles('#ticket-reply-files', {
      name: 'invoice.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n'),
    });
    await page.fill('#ticket-reply', 'Here is the corrected invoice.');
    await page.click('#ticket-send');
    const withFile = await waitFor(
      () => delivered().find((t) => t.startsWith('Here is the corrected invoice.')),
      { what: 'the answer with its file at the customer' },
    );
    expect(withFile).toMatch(/cannot carry files[\s\S]*- invoice\.pdf: \/files\//);
    await page.locator('.transcript ul.files a', { hasText: 'invoice.pdf' }).waitFor();

    // The customer writes again: the open view shows it without a reload.
    await customerWrites('Thanks, and can you send it by post too?');
    await page
      .locator('.transcript', { hasText: 'can you send it by post too?' })
      .waitFor({ timeout: 20_000 });

    await page.click('#ticket-release');
    await page.waitForSelector('#ticket-take');
    expect((await gateway.pool.getTicket(id))?.status).toBe('queued');
    expect(problems).toEqual([]);
    await page.close();
  });

  it("answers on another of the customer's channels when the agent chooses it", async () => {
    const phone = '+14155550123';
    await customerWrites('My parcel is stuck at customs', 'conv-by-sms', phone);
    const ticket = await waitFor(async () =>
      gateway.pool.models.Ticket.findOne({ preview: 'My parcel is stuck at customs' }).lean(),
    );
    const id = String(ticket._id);
    await waitFor(async () => (await gateway.pool.getTicket(id))?.status === 'queued');
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(`${served.url}/admin/#/ticket/${id}`);
    const choice = page.locator('#ticket-reply-channel');
    await choice.waitFor();
    expect(await choice.locator('option').allTextContents()).toEqual([
      expect.stringContaining('api:'),
      `sms: ${phone}`,
    ]);
    await choice.selectOption('sms');
    await page.fill('#ticket-reply', 'Customs released it this morning.');
    await page.click('#ticket-send');
    await waitFor(
      () => twilioApi.to(phone).some((r) => r.form['Body']?.includes('Customs released it')),
      { what: 'the answer by SMS' },
    );
    expect(delivered()).not.toContain('Customs released it this morning.');
    await page.close();
  });

  it('offers tickets to a console agent who says they are available, and takes one from the offer', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(`${served.url}/admin/#/tickets`);
    await page.locator('#offers #my-offers li', { hasText: 'No offers right now.' }).waitFor();
    await page.selectOption('#my-status', 'available');
    await waitFor(async () => {
      const agent = await gateway.pool.models.Agent.findOne({
        identity: 'local:ann@example.test',
      }).lean();
      return agent?.status === 'available' ? agent : undefined;
    });
    await customerWrites('Where can I see my warranty?', 'conv-offered');
    // Dispatch offers ann the waiting tickets, oldest and most urgent first (earlier tests left
    // some waiting): the console lists them with Take.
    const offer = page.locator('#my-offers li.offer').first();
    await offer.waitFor({ timeout: 30_000 });
    const id = (await offer.getAttribute('data-id')) ?? '';
    const offered = await gateway.pool.getTicket(id);
    const ann = await gateway.pool.models.Agent.findOne({
      identity: 'local:ann@example.test',
    }).lean();
    expect(String(offered?.offer?.agentId)).toBe(String(ann?._id));
    await offer.locator('button.take').click();
    await page.waitForSelector('#ticket-release');
    const taken = await gateway.pool.getTicket(id);
    expect(taken).toMatchObject({ status: 'assigned' });
    expect(String(taken?.assigneeId)).toBe(String(ann?._id));
    await page.click('#ticket-release');
    await page.waitForSelector('#ticket-take');
    // Away again: her other offers are withdrawn at once (they go to others, or wait).
    await page.goto(`${served.url}/admin/#/tickets`);
    await page.selectOption('#my-status', 'away');
    await waitFor(async () => {
      const agent = await gateway.pool.models.Agent.findOne({
        identity: 'local:ann@example.test',
      }).lean();
      return agent?.status === 'away' ? agent : undefined;
    });
    await waitFor(async () =>
      (await gateway.pool.models.Ticket.countDocuments({ 'offer.agentId': ann!._id })) === 0
        ? true
        : undefined,
    );
    await page.close();
  });

  it('refuses an answer on a ticket someone else holds, through the same rule as Slack', async () => {
    await makeAccount(gateway, 'agent', 'ben@example.test');
    const ticket = await gateway.pool.models.Ticket.findOne({ status: 'queued' }).lean();
    const id = String(ticket!._id);
    const login = async (email: string) => {
      const agent = request.agent(gateway.http);
      const res = await agent.post('/api/v1/admin/auth/login').send({ email, password: PASSWORD });
      expect(res.status).toBe(200);
      const me = await agent.get('/api/v1/admin/auth/me');
      return { agent, csrf: String(me.body.csrfToken) };
    };
    const ann = await login('ann@example.test');
    const ben = await login('ben@example.test');
    expect(
      (await ann.agent.post(`/api/v1/admin/tickets/${id}/take`).set('x-csrf-token', ann.csrf))
        .status,
    ).toBe(200);
    const refused = await ben.agent
      .post(`/api/v1/admin/tickets/${id}/reply`)
      .set('x-csrf-token', ben.csrf)
      .send({ text: 'I will handle it' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('held by');
    expect(delivered()).not.toContain('I will handle it');
  });

  it("lets a supervisor set an agent's languages, skills, capacity and teams in the Agents view", async () => {
    await makeAccount(gateway, 'supervisor', 'sue@example.test');
    const page = await browser.newPage();
    await signIn(page, 'sue@example.test');
    await page.goto(`${served.url}/admin/#/agents`);
    const ann = page.locator('tr.agent[data-identity="local:ann@example.test"]');
    await ann.waitFor();
    await ann.locator('input.languages').fill('zh, en');
    await ann.locator('input.skills').fill('billing');
    await ann.locator('input.capacity').fill('2');
    await ann.locator('button.save').click();
    await waitFor(async () => {
      const agent = await gateway.pool.models.Agent.findOne({
        identity: 'local:ann@example.test',
      }).lean();
      return agent?.capacity === 2 ? agent : undefined;
    });
    const agent = await gateway.pool.models.Agent.findOne({
      identity: 'local:ann@example.test',
    }).lean();
    expect(agent).toMatchObject({ languages: ['zh', 'en'], skills: ['billing'], capacity: 2 });

    // A team, made in the same view, and the agent put in it. (A save re-renders the view when
    // its answer arrives: the page is loaded afresh first, so no input is filled in the old one.)
    await page.reload();
    const draft = page.locator('#teams tr.team-new');
    await draft.waitFor();
    await draft.locator('input.key').fill('refunds');
    await draft.locator('input.name').fill('Refunds desk');
    await draft.locator('input.skills').fill('refunds, billing');
    await draft.locator('input.channel').fill('C0REFUNDS');
    await draft.locator('button.save').click();
    const team = page.locator('#teams tr.team[data-key="refunds"]');
    await team.waitFor();
    expect(await team.locator('input.name').inputValue()).toBe('Refunds desk');
    await ann.locator('input.teams').fill('refunds');
    await ann.locator('button.save').click();
    const teamed = await waitFor(async () => {
      const found = await gateway.pool.models.Agent.findOne({
        identity: 'local:ann@example.test',
      }).lean();
      return found?.teams?.length ? found : undefined;
    });
    expect(teamed.teams).toEqual(['refunds']);
    // Removed from the console: the team is gone and the agent is out of it.
    await page.reload();
    await page.locator('#teams tr.team[data-key="refunds"]').waitFor();
    await page.locator('#teams tr.team[data-key="refunds"] button.remove').click();
    await page.locator('#teams tr.team[data-key="refunds"]').waitFor({ state: 'detached' });
    await waitFor(async () => {
      const found = await gateway.pool.models.Agent.findOne({
        identity: 'local:ann@example.test',
      }).lean();
      return found && (found.teams ?? []).length === 0 ? found : undefined;
    });
    await page.close();
  });

  it('takes customer attributes from the API channel into the urgency score, and lets a supervisor change them', async () => {
    const send = (from: Record<string, unknown>, messageId: string) =>
      request(gateway.http!)
        .post('/api/v1/messages')
        .set('authorization', `Bearer ${apiKey}`)
        .send({ messageId, conversationId: 'conv-vip', from, text: 'My order never came' });
    // Hostile or oversized attributes are refused, and nothing is stored.
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, i]));
    expect((await send({ id: 'vip-1', attributes: { custom: tooMany } }, 'vip-bad-1')).status).toBe(
      400,
    );
    expect((await send({ id: 'vip-1', attributes: { tier: 'v i p' } }, 'vip-bad-2')).status).toBe(
      400,
    );
    expect(
      (await send({ id: 'vip-1', attributes: { custom: { 'a.b': 1 } } }, 'vip-bad-3')).status,
    ).toBe(400);

    const ok = await send(
      {
        id: 'vip-1',
        name: 'Vera',
        attributes: { tier: 'VIP', plan: 'pro', custom: { accountId: 'A-17' } },
      },
      'vip-ok',
    );
    expect(ok.status).toBe(202);
    const ticket = await waitFor(async () => {
      const t = await gateway.pool.models.Ticket.findOne({ preview: 'My order never came' }).lean();
      return t?.urgencyParts?.length ? t : undefined;
    });
    expect(ticket.urgencyParts.map((p) => p.reason)).toContain('vip customer');
    const contact = await gateway.pool.models.Contact.findById(ticket.contactId).lean();
    expect(contact?.attributes).toMatchObject({
      tier: 'vip',
      plan: 'pro',
      custom: { accountId: 'A-17' },
    });

    const page = await browser.newPage();
    await signIn(page, 'sue@example.test');
    await page.goto(`${served.url}/admin/#/ticket/${String(ticket._id)}`);
    await page.locator('#ticket-customer input.tier').fill('gold');
    await page.click('#customer-save');
    await waitFor(async () => {
      const c = await gateway.pool.models.Contact.findById(ticket.contactId).lean();
      return (c?.attributes as { tier?: string } | undefined)?.tier === 'gold';
    });
    // The audit event is written after the contact changes, so it is awaited too.
    const audit = await waitFor(async () => {
      const events = await gateway.pool.models.AuditEvent.find({
        action: 'contact.attributes',
      }).lean();
      return events.length ? events : undefined;
    });
    expect(audit).toHaveLength(1);
    await page.close();
  });
});
