import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/app.ts';
import { EscalateAllResponder } from '../../../src/pipeline/escalate-all-responder.ts';
import { sendAgentReply } from '../../../src/pipeline/replies.ts';
import type { MessageDoc } from '../../../src/pool/models.ts';
import { API, makeAccount, signIn, type Session } from '../../admin/support.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { FakeTwilio } from './fake-twilio.ts';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const PUBLIC_URL = 'https://support.example.test';
const INBOUND_URL = `${PUBLIC_URL}/channels/sms/twilio`;
const SUPPRESSION_KEY = 'suppression-key-for-tests-0123456789abcdef';
const NUMBER = '+14155557001';

let gateway: Gateway;
let fake: FakeTwilio;
let admin: Session;

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  gateway = await startTestGateway({
    config: testConfig({ OUTBOUND_BACKOFF_MS: '100', SMS_SUPPRESSION_KEY: SUPPRESSION_KEY }),
    responder: new EscalateAllResponder(),
    env: {
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: '+14155550100',
      SMS_PUBLIC_URL: PUBLIC_URL,
      TWILIO_API_BASE_URL: fake.url,
    },
  });
  await makeAccount(gateway, 'admin');
  admin = await signIn(gateway, 'admin@example.test');
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
  await fake.stop();
});

/** Posts a text from NUMBER as Twilio does (signed); resolves to the stored message. */
async function texts(body: string): Promise<MessageDoc> {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const fixture = JSON.parse(
    readFileSync(new URL('../../fixtures/sms/inbound-sms.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  const form = { ...fixture, From: NUMBER, Body: body, MessageSid: sid, SmsSid: sid };
  const res = await request(gateway.http!)
    .post('/channels/sms/twilio')
    .type('form')
    .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(AUTH_TOKEN, INBOUND_URL, form))
    .send(form);
  expect(res.status).toBe(200);
  return waitFor(
    async () => {
      const message = await gateway.pool.getMessage(`sms.${sid}`);
      return message?.handled ? message : undefined;
    },
    { what: `message ${sid} handled` },
  );
}

/** An agent's answer on the ticket, once the outbound worker is done with it. */
async function agentAnswers(ticketId: string, text: string): Promise<MessageDoc> {
  const message = await sendAgentReply(
    { pool: gateway.pool, outbound: gateway.queues.outbound },
    { ticketId, key: randomBytes(4).toString('hex'), agentId: 'agent-1', agentName: 'Ada', text },
  );
  return waitFor(
    async () => {
      const stored = await gateway.pool.getMessage(String(message._id));
      return stored?.deliveryStatus === 'sent' || stored?.deliveryStatus === 'failed'
        ? stored
        : undefined;
    },
    { what: `${String(message._id)} delivered or failed` },
  );
}

async function dumpDatabase(): Promise<string> {
  const db = gateway.pool.models.Ticket.db.db;
  if (!db) throw new Error('no database');
  const parts: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    parts.push(`${name}: ${JSON.stringify(await db.collection(name).find({}).toArray())}`);
  }
  return parts.join('\n');
}

describe('sms opt-out of an erased contact', () => {
  let stop: MessageDoc;

  it('keeps no phone number after the erasure, only the keyed hash of the STOP', async () => {
    stop = await texts('STOP');
    expect(stop.intent).toBe('sms.opt-out');
    const res = await admin.agent
      .post(`${API}/contacts/${String(stop.contactId)}/erase`)
      .set('x-csrf-token', admin.csrf)
      .send({});
    expect(res.status).toBe(200);
    expect(res.body.counts).toMatchObject({ smsOptOuts: 1, smsSuppressed: 1 });

    const dump = await dumpDatabase();
    expect(dump).not.toContain(NUMBER);
    expect(dump).not.toContain(NUMBER.slice(1));
    const db = gateway.pool.models.Ticket.db;
    expect(await db.collection('sms_suppressions').find({}).toArray()).toEqual([
      expect.objectContaining({
        _id: createHmac('sha256', SUPPRESSION_KEY).update(NUMBER).digest('hex'),
        keyword: 'STOP',
      }),
    ]);
    // SMS_SUPPRESSION_KEY is set: no key of its own in the database.
    expect(await db.collection('sms_suppression_key').countDocuments()).toBe(0);
  });

  it('still refuses an agent reply when the number writes again', async () => {
    const again = await texts('Is anyone there?');
    expect(String(again.contactId)).not.toBe(String(stop.contactId));
    const refused = await agentAnswers(String(again.ticketId), 'We are here.');
    expect(refused.deliveryStatus).toBe('failed');
    expect(refused.deliveryError).toMatch(/^recipient opted out \(STOP at /);
    expect(fake.to(NUMBER)).toEqual([]);
  });

  it('lets a START from the number lift the refusal', async () => {
    const start = await texts('START');
    // START only opts in an opted-out number: the router saw the suppression.
    expect(start.intent).toBe('sms.opt-in');
    const sent = await agentAnswers(String(start.ticketId), 'Welcome back.');
    expect(sent.deliveryStatus).toBe('sent');
    expect(fake.to(NUMBER).at(-1)?.form['Body']).toBe('Welcome back.');
    expect(
      await gateway.pool.models.Ticket.db.collection('sms_suppressions').countDocuments(),
    ).toBe(0);
  });
});
