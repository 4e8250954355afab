/**
 * Issue 16 item 5: an agent answering from the console chooses the reply channel where there is a
 * choice. An API-channel customer whose integration vouched for their phone number is answered
 * by SMS; their text back continues the same ticket. State is set only through user-facing paths:
 * the API channel, Twilio's signed webhook, the admin API (account, sign-in, take, reply).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../channels/sms/fake-twilio.ts';
import { DeskHarness } from '../desk/harness.ts';
import { waitFor } from '../support/gateway.ts';
import { customerTexts, smsEnv, TEST_SMS } from '../support/twilio-webhook.ts';

const CUSTOMER_PHONE = '+14155550177';

let h: DeskHarness;
let fake: FakeTwilio;

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  h = await DeskHarness.start({ env: smsEnv(TEST_SMS, fake.url) });
});

afterAll(async () => {
  await h.stop();
  await fake.stop();
});

describe('choosing the reply channel in the console', () => {
  it('answers an API customer by SMS on the phone their integration gave, and their text back continues the ticket', async () => {
    const wrote = await request(h.http)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${h.apiKey}`)
      .send({
        messageId: 'm-phone-1',
        conversationId: 'conv-phone',
        from: { id: 'cust-phone', name: 'Pat Phone', phone: CUSTOMER_PHONE },
        text: 'My order arrived broken',
      });
    expect(wrote.status).toBe(202);
    const card = await h.cardFor('Pat Phone');

    // An agent account, made by the operator and signed in as the console does.
    const { agent: rae, csrf } = await h.consoleAgent('rae', 'Rae');

    const shown = await rae.get(`/api/v1/admin/tickets/${card.ticketId}`);
    expect(shown.body.replyChannels).toEqual([
      { channel: 'api', to: { kind: 'api', value: expect.any(String) }, current: true },
      { channel: 'sms', to: { kind: 'phone', value: CUSTOMER_PHONE }, current: false },
    ]);

    const refused = await rae
      .post(`/api/v1/admin/tickets/${card.ticketId}/reply`)
      .set('x-csrf-token', csrf)
      .send({ text: 'By mail?', channel: 'email' });
    expect(refused.status).toBe(400);

    const sent = await rae
      .post(`/api/v1/admin/tickets/${card.ticketId}/reply`)
      .set('x-csrf-token', csrf)
      .send({ text: 'Sorry about that: a replacement is on its way.', channel: 'sms' });
    expect(sent.status).toBe(202);
    await waitFor(() =>
      fake.to(CUSTOMER_PHONE).some((r) => r.form['Body']?.includes('replacement is on its way')),
    );
    // Not also on the conversation's own channel.
    expect(h.callbackTexts().some((t) => t.includes('replacement is on its way'))).toBe(false);

    expect(
      await customerTexts(h.http, TEST_SMS, CUSTOMER_PHONE, 'Thank you, when will it arrive?'),
    ).toBe(200);
    const messages = await waitFor(async () => {
      const list = await h.gateway.pool.listMessages(card.ticketId);
      return list.some((m) => m.text.includes('when will it arrive')) ? list : undefined;
    });
    const agentReply = messages.find((m) => m.authorKind === 'agent');
    expect(agentReply).toMatchObject({
      channel: 'sms',
      deliveryStatus: expect.stringMatching(/sent|delivered/),
    });
    const back = messages.find((m) => m.text.includes('when will it arrive'));
    expect(back).toMatchObject({ channel: 'sms', direction: 'in' });
  });
});
