import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTelegramConfig, type TelegramConfig } from '../../../channels/telegram/config.ts';
import { channel } from '../../../channels/telegram/module.ts';
import { createTelegramApi, sendTelegram } from '../../../channels/telegram/send.ts';
import type { ChannelContext } from '../../../channels/module.ts';
import { isSwitchboardError, type SwitchboardError } from '../../../src/domain/errors.ts';
import { OutboundMessageSchema, type OutboundMessage } from '../../../src/domain/message.ts';
import { FAILURES, TelegramStandIn } from '../../support/telegram-stand-in.ts';

const TOKEN = '123456789:AAtest-token_0123456789abcdef';
const SECRET = 'webhook-secret_0123456789';
const CHAT = 4242;

let standIn: TelegramStandIn;
let config: TelegramConfig;

beforeAll(async () => {
  standIn = new TelegramStandIn(TOKEN);
  await standIn.start();
  config = configFor(standIn.url);
});

afterAll(async () => {
  await standIn.stop();
});

afterEach(() => {
  standIn.calls.length = 0;
});

function configFor(url: string, token = TOKEN): TelegramConfig {
  const parsed = loadTelegramConfig({
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_API_URL: url,
    TELEGRAM_TIMEOUT_SECONDS: '5',
  });
  if (parsed === undefined) throw new Error('the channel is off');
  return parsed;
}

function outbound(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return OutboundMessageSchema.parse({
    messageId: 'm1',
    ticketId: 't1',
    channel: 'telegram',
    threadKey: `telegram:${CHAT}`,
    to: { kind: 'telegram', value: String(CHAT) },
    author: { kind: 'agent', name: 'Sam' },
    text: 'Your parcel left the depot *today* <b>at noon</b> [track](x)',
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<SwitchboardError> {
  try {
    await promise;
  } catch (error) {
    if (isSwitchboardError(error)) return error;
    throw error;
  }
  throw new Error('the send did not fail');
}

describe('sendTelegram', () => {
  describe('when Telegram takes the message', () => {
    it('calls sendMessage with the chat id and the text as is, with no parse mode', async () => {
      const result = await sendTelegram(createTelegramApi(config), outbound());
      expect(standIn.calls).toHaveLength(1);
      const call = standIn.calls[0];
      expect(call?.method).toBe('sendMessage');
      expect(call?.token).toBe(TOKEN);
      expect(call?.body).toEqual({
        chat_id: CHAT,
        text: 'Your parcel left the depot *today* <b>at noon</b> [track](x)',
      });
      expect(result.providerMessageId).toMatch(/^4242\.\d+$/);
    });

    it('cuts a text over 4096 characters and ends it with the article link', async () => {
      const url = 'https://help.example.test/a/parcels';
      await sendTelegram(
        createTelegramApi(config),
        outbound({ text: 'word '.repeat(2000), articleUrl: url }),
      );
      const [text] = standIn.sentTo(CHAT);
      expect(text?.length).toBeLessThanOrEqual(4096);
      expect(text?.endsWith(`... ${url}`)).toBe(true);
    });

    it('never cuts inside a surrogate pair', async () => {
      await sendTelegram(createTelegramApi(config), outbound({ text: '😀'.repeat(3000) }));
      const [text] = standIn.sentTo(CHAT);
      expect(text?.length).toBeLessThanOrEqual(4096);
      expect(text?.endsWith('😀...')).toBe(true);
    });
  });

  describe('when Telegram refuses the message', () => {
    it('maps flood control (429) to a retryable failure naming retry_after', async () => {
      standIn.fail(FAILURES.floodControl(7));
      const error = await failureOf(sendTelegram(createTelegramApi(config), outbound()));
      expect(error.code).toBe('SB_ERR_DELIVERY_FAILED');
      expect(error.retryable).toBe(true);
      expect(error.deliveryUncertain).toBe(false);
      expect(error.message).toContain('retry after 7 s');
    });

    it('maps a 5xx to a retryable failure', async () => {
      standIn.fail(FAILURES.serverError());
      const error = await failureOf(sendTelegram(createTelegramApi(config), outbound()));
      expect(error.code).toBe('SB_ERR_DELIVERY_FAILED');
      expect(error.retryable).toBe(true);
    });

    it('maps "bot was blocked by the user" (403) to a rejection that is not retried', async () => {
      standIn.fail(FAILURES.blocked());
      const error = await failureOf(sendTelegram(createTelegramApi(config), outbound()));
      expect(error.code).toBe('SB_ERR_DELIVERY_REJECTED');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('bot was blocked by the user');
    });

    it('maps "chat not found" (400) to a rejection that is not retried', async () => {
      standIn.fail(FAILURES.chatNotFound());
      const error = await failureOf(sendTelegram(createTelegramApi(config), outbound()));
      expect(error.code).toBe('SB_ERR_DELIVERY_REJECTED');
    });

    it('maps a wrong token (401) to a rejection', async () => {
      const api = createTelegramApi(
        configFor(standIn.url, '123456789:AAwrong-token_0123456789abcd'),
      );
      const error = await failureOf(sendTelegram(api, outbound()));
      expect(error.code).toBe('SB_ERR_DELIVERY_REJECTED');
      expect(error.message).toContain('Telegram 401');
    });

    it('sends again after a refusal: the next call goes through', async () => {
      standIn.fail(FAILURES.floodControl(1));
      const api = createTelegramApi(config);
      await failureOf(sendTelegram(api, outbound()));
      await sendTelegram(api, outbound());
      expect(standIn.sentTo(CHAT)).toHaveLength(1);
    });
  });

  describe('when Telegram cannot be reached', () => {
    it('is retryable and certain not sent when the connection is refused', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const error = await failureOf(
        sendTelegram(createTelegramApi(configFor(`http://127.0.0.1:${port}`)), outbound()),
      );
      expect(error.code).toBe('SB_ERR_DELIVERY_FAILED');
      expect(error.deliveryUncertain).toBe(false);
    });

    it('is retryable and uncertain when the connection drops after the request went out', async () => {
      standIn.fail({ drop: true });
      const error = await failureOf(sendTelegram(createTelegramApi(config), outbound()));
      expect(error.code).toBe('SB_ERR_DELIVERY_FAILED');
      expect(error.deliveryUncertain).toBe(true);
    });
  });

  describe('when the message cannot go to Telegram', () => {
    it('rejects a recipient that is not a Telegram chat without calling Telegram', async () => {
      const error = await failureOf(
        sendTelegram(
          createTelegramApi(config),
          outbound({ to: { kind: 'email', value: 'ada@example.test' } }),
        ),
      );
      expect(error.code).toBe('SB_ERR_DELIVERY_REJECTED');
      expect(standIn.calls).toEqual([]);
    });

    it('rejects an empty text without calling Telegram', async () => {
      const error = await failureOf(
        sendTelegram(createTelegramApi(config), outbound({ text: '  ' })),
      );
      expect(error.code).toBe('SB_ERR_DELIVERY_REJECTED');
      expect(standIn.calls).toEqual([]);
    });
  });
});

describe('the Telegram channel module', () => {
  const context = (env: NodeJS.ProcessEnv): ChannelContext =>
    ({
      env,
      sink: { accept: () => Promise.reject(new Error('not in this test')) },
    }) as unknown as ChannelContext;

  it('is off without TELEGRAM_BOT_TOKEN', async () => {
    expect(await channel.create(context({}))).toBeUndefined();
  });

  it('builds an adapter that sends through the configured API and claims what it does', async () => {
    const module = await channel.create(
      context({
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_URL: standIn.url,
      }),
    );
    expect(module?.id).toBe('telegram');
    expect(module?.adapter.capabilities).toEqual({
      threads: false,
      attachments: { inbound: false, outbound: false },
      maxTextLength: 4096,
      format: 'plain',
      canEdit: false,
    });
    expect(module?.http?.limits).toEqual([{ path: '/channels/telegram', kind: 'webhook' }]);
    expect(module?.adapter.threadKeyFor?.({ kind: 'telegram', value: '99' })).toBe('telegram:99');
    await module?.adapter.send(outbound({ text: 'through the module' }));
    expect(standIn.sentTo(CHAT)).toEqual(['through the module']);
  });
});
