/**
 * Issue 19 item 3: a conversation that continues across channels. A customer an integration
 * vouched for (their phone) writes on the API channel and waits for a person; their text from that
 * phone joins the same ticket (one card, one SLA), replies go where they last wrote, and writing
 * on the first channel again moves the replies back. State is set only through user-facing paths:
 * the API channel, Twilio's signed webhook, the admin API.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../channels/sms/fake-twilio.ts';
import { DeskHarness } from './harness.ts';
import { waitFor } from '../support/gateway.ts';
import { customerTexts, smsEnv, TEST_SMS } from '../support/twilio-webhook.ts';

const PHONE = '+14155550188';

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

/** Cora writes on the API channel; her shop passes her phone number. */
async function coraWrites(messageId: string, text: string) {
  const wrote = await request(h.http)
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${h.apiKey}`)
    .send({
      messageId,
      conversationId: 'cont-conv',
      from: { id: 'cust-cont', name: 'Cora Cont', phone: PHONE },
      text,
    });
  expect(wrote.status).toBe(202);
}

describe('a conversation that continues on another channel', () => {
  it('joins the open ticket, answers where the customer last wrote, and follows them back', async () => {
    await coraWrites('cont-1', 'My parcel never came');
    const card = await h.cardFor('Cora Cont');

    expect(await customerTexts(h.http, TEST_SMS, PHONE, 'Any news on my parcel?')).toBe(200);
    const joined = await waitFor(async () => {
      const list = await h.gateway.pool.listMessages(card.ticketId);
      return list.some((m) => m.text.includes('Any news')) ? list : undefined;
    });
    expect(joined.filter((m) => m.direction === 'in').map((m) => m.channel)).toEqual([
      'api',
      'sms',
    ]);
    // Agents see where it came from, in the card's thread and on the card.
    const relayed = await waitFor(() =>
      h.slack
        .callsOf('chat.postMessage')
        .find(
          (c) => c.args['thread_ts'] === card.ts && String(c.args['text']).includes('Any news'),
        ),
    );
    expect(String(relayed.args['text'])).toContain('_(by sms)_');
    const updated = await waitFor(() =>
      h
        .updatesOf(card.ts)
        .find((c) => JSON.stringify(c.args['blocks']).includes('continued by sms')),
    );
    expect(JSON.stringify(updated.args['blocks'])).toContain('(by sms) Any news on my parcel?');

    const { agent, csrf } = await h.consoleAgent('cy', 'Cy');
    const shown = await agent.get(`/api/v1/admin/tickets/${card.ticketId}`);
    expect(shown.body.replyChannels[0]).toEqual({
      channel: 'sms',
      to: { kind: 'phone', value: PHONE },
      current: true,
    });
    const sent = await agent
      .post(`/api/v1/admin/tickets/${card.ticketId}/reply`)
      .set('x-csrf-token', csrf)
      .send({ text: 'It is at the depot, out for delivery tomorrow.' });
    expect(sent.status).toBe(202);
    await waitFor(() => fake.to(PHONE).some((r) => r.form['Body']?.includes('at the depot')));
    expect(h.callbackTexts().some((t) => t.includes('at the depot'))).toBe(false);

    // Back on the API channel: the replies follow.
    await coraWrites('cont-2', 'Can it go to my neighbour?');
    await waitFor(async () => {
      const list = await h.gateway.pool.listMessages(card.ticketId);
      return list.some((m) => m.text.includes('neighbour')) || undefined;
    });
    const second = await agent
      .post(`/api/v1/admin/tickets/${card.ticketId}/reply`)
      .set('x-csrf-token', csrf)
      .send({ text: 'Yes, number 12 will take it.' });
    expect(second.status).toBe(202);
    await waitFor(() => h.callbackTexts().some((t) => t.includes('number 12')));
    expect(fake.to(PHONE).some((r) => r.form['Body']?.includes('number 12'))).toBe(false);
  });
});
