import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const OPERATOR = 'Bearer test-admin-token-0123456789';
let gateway: Gateway;
let receiver: CallbackReceiver;
let apiKey: string;
let integrationId: string;

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  gateway = await startTestGateway({
    config: testConfig({ OUTBOUND_ATTEMPTS: '2', OUTBOUND_BACKOFF_MS: '50' }),
  });
  const created = await createIntegration(gateway.pool.models, {
    name: 'shop',
    callbackUrl: receiver.url,
  });
  apiKey = created.apiKey;
  integrationId = String(created.integration._id);
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
  await receiver.stop();
});

let seq = 0;
/** A customer message, then an agent's reply to it (an outbound callback); the reply's id. */
async function agentReplyToNewTicket(): Promise<string> {
  seq += 1;
  const messageId = `m-${seq}-${Date.now()}`;
  await request(gateway.http!)
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${apiKey}`)
    .send({
      messageId,
      conversationId: `c-${messageId}`,
      from: { id: 'u-1' },
      text: 'Where is it?',
    })
    .expect(202);
  const inbound = await waitFor(() =>
    gateway.pool.models.Message.findOne({
      channelMessageId: `${integrationId}/${messageId}`,
      handled: true,
    }).lean(),
  );
  const replyId = `r-${seq}`;
  await request(gateway.http!)
    .post(`/api/v1/tickets/${String(inbound.ticketId)}/replies`)
    .set('authorization', OPERATOR)
    .send({ replyId, agent: { id: 'a1', name: 'Alan' }, text: 'It ships today.' })
    .expect(202);
  return `sb.agent.${replyId}`;
}

function failedList() {
  return request(gateway.http!)
    .get('/api/v1/admin/deliveries/failed')
    .set('authorization', OPERATOR)
    .expect(200)
    .then((res) => res.body as { deliveries: Array<{ messageId: string; status: string }> });
}

function resend(messageId: string) {
  return request(gateway.http!)
    .post(`/api/v1/admin/deliveries/${encodeURIComponent(messageId)}/resend`)
    .set('authorization', OPERATOR);
}

async function outcomeOf(messageId: string, status: string) {
  return waitFor(async () => {
    const message = await gateway.pool.getMessage(messageId);
    return message?.deliveryStatus === status && message;
  });
}

describe('failed deliveries (admin API)', () => {
  describe('when a receiver refused a callback for good', () => {
    it('lists it, sends it again on request with the same id, and audits the resend', async () => {
      receiver.status = 400;
      const messageId = await agentReplyToNewTicket();
      await outcomeOf(messageId, 'failed');
      expect((await failedList()).deliveries).toContainEqual(
        expect.objectContaining({ messageId, status: 'failed' }),
      );

      receiver.status = 200;
      const res = await resend(messageId).expect(202);
      expect(res.body).toMatchObject({ delivery: { messageId, status: 'pending' } });
      await outcomeOf(messageId, 'sent');
      const delivered = receiver.received.filter(
        (r) => r.headers['x-switchboard-delivery'] === messageId,
      );
      expect(delivered).toHaveLength(1);
      expect((await failedList()).deliveries.map((d) => d.messageId)).not.toContain(messageId);
      const audit = await gateway.pool.models.AuditEvent.findOne({
        action: 'delivery.resend',
        subject: `message:${messageId}`,
      }).lean();
      expect(audit).toMatchObject({ actor: 'operator', before: { status: 'failed' } });

      // Sent now: a second resend is refused.
      await resend(messageId).expect(409);
    });
  });

  describe('when a delivery ran out of attempts', () => {
    it('lists it while nothing retries it any more, and sends it again', async () => {
      receiver.status = 503;
      const messageId = await agentReplyToNewTicket();
      await waitFor(async () => {
        const job = await gateway.queues.outbound.getJob(`out.${messageId}`);
        return (await job?.getState()) === 'failed';
      });
      expect((await failedList()).deliveries).toContainEqual(
        expect.objectContaining({ messageId, status: 'pending' }),
      );
      receiver.status = 200;
      await resend(messageId).expect(202);
      await outcomeOf(messageId, 'sent');
    });
  });

  it('refuses an id that names no outbound message', async () => {
    await resend('sb.agent.no-such-reply').expect(404);
    await resend('not-an-outbound-id').expect(404);
  });
});
