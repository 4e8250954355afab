import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import { PoolAttachments } from '../../src/pool/attachments.ts';
import { recordAudit } from '../../src/pool/audit.ts';
import type { MessageDoc } from '../../src/pool/models.ts';
import { PoolSmsStore } from '../../channels/sms/store.ts';
import { channelStoreDeps } from '../support/channel-stores.ts';
import { insertSuggestion } from '../../src/knowledge/suggestions.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import {
  API,
  dropDatabase,
  dumpDatabase,
  makeAccount,
  postApiMessage,
  signIn,
  type Session,
} from './support.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const EMAIL = 'ada.lovelace@example.test';
const PHONE = '+15550107777';
const NAME = 'Ada Lovelace';
const TEXTS = [
  'GDPRTEXT-1 my invoice 4471 charged me twice',
  'GDPRTEXT-2 please send it to my office instead',
];
const SMS_TEXT = 'GDPRTEXT-3 texting you from my phone';
const LATE_TEXT = 'GDPRTEXT-4 a message still waiting in the queue';
const OTHER_TEXT = 'Bob asks about his own order 99';

let gateway: Gateway;
let apiKey: string;
let integrationId: string;
let admin: Session;
let contactId: string;
let seq = 0;

/** Posts a customer message through the API channel and waits until the pipeline handled it. */
async function postMessage(
  from: { id: string; name: string; email: string; phone?: string },
  text: string,
): Promise<MessageDoc> {
  seq += 1;
  return postApiMessage(
    gateway,
    { apiKey, id: integrationId },
    { messageId: `gdpr-${seq}`, conversationId: `conv-${from.id}-${seq}`, from, text },
  );
}

/** Data of every job BullMQ holds in either queue, whatever its state. */
async function dumpJobs(): Promise<string> {
  const jobs = [gateway.queues.inbound, gateway.queues.outbound].map((q) =>
    q.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'failed', 'completed']),
  );
  return JSON.stringify((await Promise.all(jobs)).flat().map((j) => j.data)).toLowerCase();
}

function traces(text: string): string[] {
  return [EMAIL, PHONE, NAME, ...TEXTS, SMS_TEXT, LATE_TEXT]
    .map((t) => t.toLowerCase())
    .filter((t) => text.includes(t));
}

beforeAll(async () => {
  gateway = await startTestGateway({
    config: testConfig({
      KB_SEED_ON_START: 'false',
      // Each conversation a ticket of its own, so the erasure has several tickets to cover.
      CONVERSATION_JOIN_SECONDS: '0',
    }),
    responder: new EscalateAllResponder(),
  });
  const created = await createIntegration(gateway.pool.models, { name: 'gdpr-shop' });
  apiKey = created.apiKey;
  integrationId = String(created.integration._id);
  for (const role of ['admin', 'supervisor', 'agent'] as const) await makeAccount(gateway, role);
  admin = await signIn(gateway, 'admin@example.test');

  // Ada writes twice through the API channel (email and phone linked to her contact)...
  const ada = { id: 'cust-ada', name: NAME, email: EMAIL, phone: PHONE };
  const first = await postMessage(ada, TEXTS[0] ?? '');
  await postMessage(ada, TEXTS[1] ?? '');
  contactId = String(first.contactId);
  // ...once by SMS from the same phone, and opts out of SMS.
  const sms = await gateway.pool.ingest({
    channel: 'sms',
    channelMessageId: 'SM0000000000000000000000000000gdpr',
    threadKey: `${PHONE}/+15550009999`,
    from: { identity: { kind: 'phone', value: PHONE } },
    text: SMS_TEXT,
    attachments: [],
    receivedAt: new Date(),
    channelData: { smsTo: '+15550009999' },
  });
  expect(String(sms.contactId)).toBe(contactId);
  const smsStore = new PoolSmsStore({
    ...channelStoreDeps(gateway.pool, () => Promise.resolve()),
    locks: { withLock: (_key, work) => work() },
  });
  await smsStore.recordOptChange({
    number: PHONE,
    optedOut: true,
    keyword: 'STOP',
    at: new Date(),
    messageSid: 'SM0000000000000000000000000000stop',
  });
  // An attachment stored with her first message.
  const attachments = await PoolAttachments.create(gateway.pool.models.Ticket.db);
  await attachments.save('api', first.channelMessageId, [
    {
      name: 'ada-lovelace-passport.png',
      contentType: 'image/png',
      size: 11,
      sha256: 'a'.repeat(64),
      content: Buffer.from('passport!!!'),
    },
  ]);
  // A suggested answer drawn from her ticket, an audit event naming her, a job still queued.
  await insertSuggestion(gateway.pool.models, {
    ticketId: first.ticketId,
    ticketNumber: 1,
    locale: 'en',
    question: TEXTS[0] ?? '',
    answer: 'We refunded the second charge.',
    agentName: null,
    kind: 'article',
    articleKey: undefined,
    resolvedAt: null,
  });
  await recordAudit(gateway.pool.models, {
    actor: 'account:admin@example.test',
    action: 'ticket.noted',
    subject: `ticket:${String(first.ticketId)}`,
    before: { contact: EMAIL },
    after: { contact: EMAIL, phone: PHONE },
  });
  await gateway.queues.inbound.add(
    'message',
    {
      message: {
        channel: 'api',
        channelMessageId: `${integrationId}/late-1`,
        threadKey: `${integrationId}/late`,
        from: { identity: { kind: 'email', value: EMAIL } },
        text: LATE_TEXT,
      },
    },
    { jobId: 'api.late-1', delay: 3_600_000 },
  );

  // An agent's note on her ticket, written in the console, naming her phone and email.
  const noted = await admin.agent
    .post(`${API}/tickets/${String(first.ticketId)}/notes`)
    .set('x-csrf-token', admin.csrf)
    .send({ text: `Called ${PHONE}; she prefers ${EMAIL}.` });
  expect(noted.status).toBe(201);

  // Bob, whose data must stay.
  await postMessage({ id: 'cust-bob', name: 'Bob Builder', email: 'bob@example.test' }, OTHER_TEXT);
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
});

describe('admin contacts (GDPR)', () => {
  describe('when an admin searches', () => {
    it('finds the contact by part of the email, the phone number and the name', async () => {
      for (const q of ['ada.love', PHONE, 'lovelace']) {
        const res = await admin.agent.get(`${API}/contacts`).query({ q });
        expect(res.status).toBe(200);
        const ids = (res.body.contacts as Array<{ id: string }>).map((c) => c.id);
        expect(ids).toContain(contactId);
      }
      const none = await admin.agent.get(`${API}/contacts`).query({ q: 'nobody-like-this' });
      expect(none.body.contacts).toEqual([]);
    });
  });

  describe('when an admin exports a contact', () => {
    it('downloads their contact, tickets, messages, attachments, opt-outs, suggestions and audit events as JSON', async () => {
      const res = await admin.agent.get(`${API}/contacts/${contactId}/export`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('application/json');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="contact-${contactId}.json"`,
      );
      const body = res.body as {
        contact: { name: string };
        identities: Array<{ _id: string }>;
        tickets: unknown[];
        messages: Array<{ text: string; storedAttachments: Array<Record<string, unknown>> }>;
        smsOptOuts: Array<{ _id: string; optedOut: boolean }>;
        suggestions: unknown[];
        notes: Array<{ text: string }>;
        auditEvents: Array<{ action: string }>;
      };
      expect(body.contact.name).toBe(NAME);
      expect(body.identities.map((i) => i._id)).toEqual(
        expect.arrayContaining([`email:${EMAIL}`, `phone:${PHONE}`]),
      );
      expect(body.tickets).toHaveLength(3);
      const texts = body.messages.map((m) => m.text);
      expect(texts).toEqual(expect.arrayContaining([...TEXTS, SMS_TEXT]));
      expect(texts).not.toContain(OTHER_TEXT);
      const stored = body.messages.flatMap((m) => m.storedAttachments);
      expect(stored).toEqual([
        expect.objectContaining({ name: 'ada-lovelace-passport.png', size: 11 }),
      ]);
      expect(stored[0]).not.toHaveProperty('content');
      expect(body.smsOptOuts).toEqual([expect.objectContaining({ _id: PHONE, optedOut: true })]);
      expect(body.suggestions).toHaveLength(1);
      expect(body.notes.map((n) => n.text)).toEqual([`Called ${PHONE}; she prefers ${EMAIL}.`]);
      expect(body.auditEvents.map((e) => e.action)).toContain('ticket.noted');
    });

    it('answers 404 for a contact that does not exist', async () => {
      const res = await admin.agent.get(`${API}/contacts/0123456789abcdef01234567/export`);
      expect(res.status).toBe(404);
    });
  });

  describe('when a non-admin tries', () => {
    it.each(['supervisor', 'agent'] as const)(
      'refuses the %s role with 403 and erases nothing',
      async (role) => {
        const session = await signIn(gateway, `${role}@example.test`);
        expect((await session.agent.get(`${API}/contacts/${contactId}/export`)).status).toBe(403);
        const erase = await session.agent
          .post(`${API}/contacts/${contactId}/erase`)
          .set('x-csrf-token', session.csrf)
          .send({});
        expect(erase.status).toBe(403);
        expect(await gateway.pool.models.ContactIdentity.findById(`email:${EMAIL}`)).not.toBeNull();
      },
    );
  });

  describe('when an admin erases a contact', () => {
    let ticketsBefore: Array<{ _id: unknown; status: string; channel: string; number: number }>;

    it('refuses the erasure without the CSRF token', async () => {
      const res = await admin.agent.post(`${API}/contacts/${contactId}/erase`).send({});
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('CSRF');
      expect(await gateway.pool.models.Contact.findById(contactId).lean()).toMatchObject({
        name: NAME,
      });
    });

    it('leaves no trace of their email, phone, name or messages in any collection or queued job', async () => {
      ticketsBefore = await gateway.pool.models.Ticket.find(
        {},
        { status: 1, channel: 1, number: 1 },
      )
        .sort({ number: 1 })
        .lean();
      const before = await dumpDatabase(gateway);
      expect(traces(before)).toEqual(
        expect.arrayContaining([EMAIL, PHONE, NAME.toLowerCase(), TEXTS[0]?.toLowerCase()]),
      );
      expect(traces(await dumpJobs())).toEqual(
        expect.arrayContaining([EMAIL, LATE_TEXT.toLowerCase()]),
      );

      const res = await admin.agent
        .post(`${API}/contacts/${contactId}/erase`)
        .set('x-csrf-token', admin.csrf)
        .send({});
      expect(res.status).toBe(200);
      expect(res.body.counts).toMatchObject({
        tickets: 3,
        messages: expect.any(Number),
        attachments: 1,
        smsOptOuts: 1,
        smsSuppressed: 1,
        suggestions: 1,
        notes: 1,
      });
      expect(res.body.counts.jobsRemoved).toBeGreaterThanOrEqual(1);

      const after = await dumpDatabase(gateway);
      expect(traces(after)).toEqual([]);
      expect(await dumpJobs()).not.toContain(EMAIL);
      expect(traces(await dumpJobs())).toEqual([]);
      // Bob's data is untouched.
      expect(after).toContain(OTHER_TEXT.toLowerCase());
      expect(after).toContain('bob@example.test');
    });

    it('keeps the tickets with their status and channel, so the statistics do not change', async () => {
      const after = await gateway.pool.models.Ticket.find({}, { status: 1, channel: 1, number: 1 })
        .sort({ number: 1 })
        .lean();
      expect(after).toEqual(ticketsBefore);
      const erased = await gateway.pool.models.Message.find({ contactId }).lean();
      expect(erased.length).toBeGreaterThanOrEqual(3);
      expect(erased.filter((m) => m.authorKind === 'customer').map((m) => m.text)).toEqual([
        '[erased]',
        '[erased]',
        '[erased]',
      ]);
    });

    it('records the erasure in the audit log, without personal data', async () => {
      const res = await admin.agent.get(`${API}/audit`).query({ action: 'contact.erased' });
      expect(res.status).toBe(200);
      const events = res.body.events as Array<{ actor: string; subject: string; after: unknown }>;
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        actor: 'account:admin@example.test',
        subject: `contact:${contactId}`,
        after: expect.objectContaining({ tickets: 3, attachments: 1 }),
      });
      expect(traces(JSON.stringify(res.body).toLowerCase())).toEqual([]);
    });

    it('can be run again, changing nothing and recording it', async () => {
      const res = await admin.agent
        .post(`${API}/contacts/${contactId}/erase`)
        .set('x-csrf-token', admin.csrf)
        .send({});
      expect(res.status).toBe(200);
      expect(res.body.counts).toMatchObject({
        tickets: 3,
        attachments: 0,
        smsOptOuts: 0,
        smsSuppressed: 0,
      });
      expect(traces(await dumpDatabase(gateway))).toEqual([]);
      const audit = await admin.agent.get(`${API}/audit`).query({ action: 'contact.erased' });
      expect(audit.body.events).toHaveLength(2);
    });

    it('files a new message from the same address under a fresh contact', async () => {
      const message = await postMessage(
        { id: 'cust-ada', name: NAME, email: EMAIL },
        'GDPRTEXT-5 hello again',
      );
      expect(String(message.contactId)).not.toBe(contactId);
      const fresh = await gateway.pool.models.Contact.findById(message.contactId).lean();
      expect(fresh?.identities.map((i) => i.value)).toContain(EMAIL);
      const old = await gateway.pool.models.Contact.findById(contactId).lean();
      expect(old?.identities).toEqual([]);
      expect(old?.name).toBeUndefined();
    });

    it('still refuses SMS to the number that said STOP, known only by a keyed hash, until START', async () => {
      const store = new PoolSmsStore({
        ...channelStoreDeps(gateway.pool, () => Promise.resolve()),
        locks: { withLock: (_key, work) => work() },
      });
      // What send checks before it calls Twilio (channels/sms/send.ts).
      expect(await store.optOutOf(PHONE)).toMatchObject({ optedOut: true, keyword: 'STOP' });
      const db = gateway.pool.models.Ticket.db;
      const suppressed = await db.collection('sms_suppressions').find({}).toArray();
      expect(suppressed).toEqual([
        expect.objectContaining({ _id: expect.stringMatching(/^[0-9a-f]{64}$/), keyword: 'STOP' }),
      ]);
      expect(JSON.stringify(suppressed)).not.toContain(PHONE.slice(1));
      expect(await db.collection('sms_opt_outs').countDocuments()).toBe(0);

      await store.recordOptChange({
        number: PHONE,
        optedOut: false,
        keyword: 'START',
        at: new Date(),
        messageSid: 'SM0000000000000000000000000000strt',
      });
      expect(await store.optOutOf(PHONE)).toMatchObject({ optedOut: false, keyword: 'START' });
      expect(await db.collection('sms_suppressions').countDocuments()).toBe(0);
    });
  });
});
