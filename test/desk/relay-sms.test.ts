import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/desk/blocks.ts';
import { deskJobId } from '../../src/desk/jobs.ts';
import { waitFor } from '../support/gateway.ts';
import { FakeTwilio } from '../channels/sms/fake-twilio.ts';
import { AGENTS, DeskHarness } from './harness.ts';
import { threadMessageEvent } from './slack-requests.ts';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const OUR_NUMBER = '+14155550100';
const CUSTOMER = '+14155550199';
const PUBLIC_URL = 'https://support.example.test';
const AGENT = { id: 'U0SMS001', name: 'sam' };

let h: DeskHarness;
let fake: FakeTwilio;

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  // The desk and the SMS channel side by side, as the composition root wires them.
  h = await DeskHarness.start({
    env: {
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: OUR_NUMBER,
      SMS_PUBLIC_URL: PUBLIC_URL,
      TWILIO_API_BASE_URL: fake.url,
    },
  });
});

afterAll(async () => {
  await h.stop();
  await fake.stop();
});

/** The customer texts our number, signed as Twilio signs its webhooks. */
async function customerTexts(body: string) {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const form = {
    ...(JSON.parse(
      readFileSync(new URL('../fixtures/sms/inbound-sms.json', import.meta.url), 'utf8'),
    ) as Record<string, string>),
    From: CUSTOMER,
    To: OUR_NUMBER,
    Body: body,
    MessageSid: sid,
    SmsSid: sid,
    SmsMessageSid: sid,
  };
  const url = `${PUBLIC_URL}/channels/sms/twilio`;
  const res = await request(h.http)
    .post('/channels/sms/twilio')
    .type('form')
    .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, form))
    .send(form);
  expect(res.status).toBe(200);
}

const textsToCustomer = () => fake.to(CUSTOMER).map((r) => r.form['Body'] ?? '');

describe('desk and an SMS customer', () => {
  it('relays the agent reply by SMS, keeps notes internal, and stores the rating after Resolve', async () => {
    await customerTexts('My router keeps rebooting');
    const card = await h.cardFor(CUSTOMER);

    let ts = 0;
    const say = async (text: string) => {
      ts += 1;
      const id = `1700400000.${String(ts).padStart(6, '0')}`;
      const body = threadMessageEvent({
        channel: AGENTS,
        threadTs: card.ts,
        ts: id,
        user: AGENT.id,
        text,
      });
      expect((await h.post(body, 'json')).status).toBe(200);
      return h.finishedJob(deskJobId('reply', AGENTS, id));
    };
    expect(await say('// firmware 2.1 known issue')).toBe('note');
    expect(await say('Please update the firmware to 2.2 &amp; restart it.')).toBe('sent');
    await waitFor(() => textsToCustomer().length > 0, { what: 'the SMS to the customer' });
    expect(textsToCustomer()).toEqual(['Please update the firmware to 2.2 & restart it.']);

    expect((await h.click(card, ACTIONS.resolve, AGENT, '1700400001.000001')).status).toBe(200);
    expect(
      await h.finishedJob(deskJobId('resolve', card.ticketId, AGENT.id, '1700400001.000001')),
    ).toBe('resolved');
    await waitFor(() => textsToCustomer().some((t) => t.startsWith('How did we do?')), {
      what: 'the satisfaction question by SMS',
    });

    await customerTexts('👍');
    const rated = await waitFor(
      async () => {
        const ticket = await h.gateway.pool.getTicket(card.ticketId);
        return ticket?.csatScore ? ticket : undefined;
      },
      { what: 'the rating' },
    );
    expect(rated).toMatchObject({ status: 'resolved', csatScore: 5 });
    expect(textsToCustomer().some((t) => t.includes('firmware 2.1'))).toBe(false);
  });
});
