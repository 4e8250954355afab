/**
 * The Telegram channel end to end, built by the gateway from the registry like every channel: a
 * webhook update becomes a ticket, the bot's and an agent's answers reach the Bot API (a local
 * stand-in, through grammY), and Telegram's redelivery of an update makes no second message.
 * State is set only through user-facing paths: the webhook and the tickets API.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/app.ts';
import type { Responder } from '../../../src/domain/ports.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { TelegramStandIn } from '../../support/telegram-stand-in.ts';

const TOKEN = '123456789:AAtest-token_0123456789abcdef';
const SECRET = 'webhook-secret_0123456789';
const OPERATOR = 'Bearer test-admin-token-0123456789';
const CHAT = 5_123_456_789;

/** Answers every customer message, quoting it, so each answer is told apart. */
const botResponder: Responder = {
  respond: ({ message }) =>
    Promise.resolve({
      action: 'reply',
      text: `Bot: about "${message.text}"`,
      counted: 'answer',
      intent: 'parcel',
    }),
};

let gateway: Gateway;
let standIn: TelegramStandIn;

beforeAll(async () => {
  standIn = new TelegramStandIn(TOKEN);
  await standIn.start();
  gateway = await startTestGateway({
    config: testConfig({ OUTBOUND_BACKOFF_MS: '100' }),
    responder: botResponder,
    env: {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_URL: standIn.url,
    },
  });
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
  await standIn.stop();
});

function update(messageId: number, text: string): Record<string, unknown> {
  return {
    update_id: 700_000 + messageId,
    message: {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      from: { id: CHAT, is_bot: false, first_name: 'Ada', last_name: 'Lovelace' },
      chat: { id: CHAT, type: 'private', first_name: 'Ada', last_name: 'Lovelace' },
      text,
    },
  };
}

function deliver(body: Record<string, unknown>, secret = SECRET) {
  return request(gateway.http!)
    .post('/channels/telegram/webhook')
    .set('X-Telegram-Bot-Api-Secret-Token', secret)
    .send(body);
}

/** The customer's message as stored, found by its text (not by the key under test). */
function storedMessage(text: string) {
  return waitFor(
    () =>
      gateway.pool.models.Message.findOne({ channel: 'telegram', direction: 'in', text }).lean(),
    { what: `message "${text}"` },
  );
}

describe('Telegram channel in the gateway', () => {
  it('is wired from the registry with what it claims', () => {
    expect(gateway.adapters.get('telegram')?.capabilities).toMatchObject({
      maxTextLength: 4096,
      format: 'plain',
    });
  });

  describe('when the webhook secret is wrong', () => {
    it('answers 401 and stores nothing', async () => {
      const res = await deliver(update(1, 'sneaky'), 'not-the-secret-at-all');
      expect(res.status).toBe(401);
      expect(await gateway.pool.getMessage(`telegram.${CHAT}.1`)).toBeFalsy();
    });
  });

  describe('when a customer writes to the bot', () => {
    let ticketId: string;

    beforeAll(async () => {
      expect((await deliver(update(10, 'Where is my parcel?'))).status).toBe(200);
      ticketId = String((await storedMessage('Where is my parcel?')).ticketId);
    });

    it('stores the message under its idempotency key: chat id and message id', async () => {
      expect(await gateway.pool.getMessage(`telegram.${CHAT}.10`)).toMatchObject({
        text: 'Where is my parcel?',
      });
    });

    it('opens a ticket for the customer, reachable by their chat', async () => {
      const ticket = await gateway.pool.getTicket(ticketId);
      expect(ticket).toMatchObject({ channel: 'telegram', threadKey: `telegram:${CHAT}` });
    });

    it("sends the bot's answer to the customer's chat through the Bot API", async () => {
      await waitFor(() => standIn.sentTo(CHAT).includes('Bot: about "Where is my parcel?"'), {
        what: "the bot's answer at the stand-in",
      });
    });

    it('makes nothing twice of a redelivered update', async () => {
      expect((await deliver(update(10, 'Where is my parcel?'))).status).toBe(200);
      // A later message, once answered, shows the queue has passed the redelivery.
      expect((await deliver(update(11, 'It is blue'))).status).toBe(200);
      await storedMessage('It is blue');
      await waitFor(() => standIn.sentTo(CHAT).includes('Bot: about "It is blue"'), {
        what: 'the answer to the later message',
      });
      const inbound = (await gateway.pool.listMessages(ticketId)).filter(
        (m) => m.direction === 'in',
      );
      expect(inbound.map((m) => m.text)).toEqual(['Where is my parcel?', 'It is blue']);
      expect(
        standIn.sentTo(CHAT).filter((text) => text === 'Bot: about "Where is my parcel?"'),
      ).toHaveLength(1);
    });

    it("sends an agent's reply from the tickets API to the customer's chat", async () => {
      await request(gateway.http!)
        .post(`/api/v1/tickets/${ticketId}/replies`)
        .set('authorization', OPERATOR)
        .send({ replyId: 'tg-1', agent: { id: 'a1', name: 'Alan' }, text: 'It ships today.' })
        .expect(202);
      await waitFor(() => standIn.sentTo(CHAT).includes('It ships today.'), {
        what: "the agent's reply at the stand-in",
      });
      const call = standIn.calls.find((c) => c.body['text'] === 'It ships today.');
      expect(call).toMatchObject({ method: 'sendMessage', token: TOKEN, body: { chat_id: CHAT } });
    });
  });
});
