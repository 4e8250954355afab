import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadTelegramConfig, type TelegramConfig } from '../../../channels/telegram/config.ts';
import { telegramChannelRouter } from '../../../channels/telegram/routes.ts';
import { isSwitchboardError, SwitchboardError } from '../../../src/domain/errors.ts';
import type { InboundMessageInput } from '../../../src/domain/message.ts';
import type { InboundSink } from '../../../src/domain/ports.ts';
import { errorHandler } from '../../../src/http/errors.ts';

const TOKEN = '123456789:AAtest-token_0123456789abcdef';
const SECRET = 'webhook-secret_0123456789';
const PATH = '/channels/telegram/webhook';
const HEADER = 'X-Telegram-Bot-Api-Secret-Token';

/** A sink that records what it was handed; `hold` keeps accept pending until released. */
class RecordingSink implements InboundSink {
  readonly accepted: InboundMessageInput[] = [];
  failWith: Error | undefined;
  private held: Array<() => void> | undefined;

  hold(): void {
    this.held = [];
  }

  release(): void {
    for (const resume of this.held ?? []) resume();
    this.held = undefined;
  }

  get waiting(): number {
    return this.held?.length ?? 0;
  }

  async accept(message: InboundMessageInput): Promise<{ jobId: string; duplicate: boolean }> {
    if (this.held !== undefined) await new Promise<void>((resume) => this.held?.push(resume));
    if (this.failWith !== undefined) throw this.failWith;
    this.accepted.push(message);
    return { jobId: `telegram.${message.channelMessageId}`, duplicate: false };
  }
}

function configOf(env: Record<string, string>): TelegramConfig {
  const config = loadTelegramConfig(env);
  if (config === undefined) throw new Error('the channel is off');
  return config;
}

function appWith(sink: InboundSink, env: Record<string, string> = {}): express.Express {
  const app = express();
  app.use(
    telegramChannelRouter({
      config: configOf({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, ...env }),
      sink,
    }),
  );
  app.use(errorHandler());
  return app;
}

function update(text: string | undefined, chatType = 'private'): Record<string, unknown> {
  return {
    update_id: 10,
    message: {
      message_id: 7,
      date: 1_796_490_000,
      from: { id: 4242, is_bot: false, first_name: 'Ada' },
      chat: { id: 4242, type: chatType, first_name: 'Ada' },
      ...(text === undefined ? { sticker: { file_id: 'abc' } } : { text }),
    },
  };
}

describe('Telegram webhook', () => {
  describe('when the secret header is missing', () => {
    it('answers 401 and queues nothing', async () => {
      const sink = new RecordingSink();
      const res = await request(appWith(sink)).post(PATH).send(update('hello'));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('SB_ERR_UNAUTHENTICATED');
      expect(sink.accepted).toEqual([]);
    });
  });

  describe('when the secret header is wrong', () => {
    it.each([
      ['another secret', 'webhook-secret_0123456780'],
      ['a prefix of the secret', SECRET.slice(0, -1)],
      ['the secret with more after it', `${SECRET}x`],
      ['the bot token', TOKEN],
    ])('answers 401 for %s and queues nothing', async (_what, value) => {
      const sink = new RecordingSink();
      const res = await request(appWith(sink)).post(PATH).set(HEADER, value).send(update('hello'));
      expect(res.status).toBe(401);
      expect(sink.accepted).toEqual([]);
    });

    it('refuses before reading the body (an oversized body with a wrong secret is still 401)', async () => {
      const sink = new RecordingSink();
      const res = await request(appWith(sink))
        .post(PATH)
        .set(HEADER, 'nope-nope-nope-nope')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ update_id: 1, pad: 'x'.repeat(200_000) }));
      expect(res.status).toBe(401);
    });
  });

  describe('when the secret is right', () => {
    it('queues a private text message and answers 200', async () => {
      const sink = new RecordingSink();
      const res = await request(appWith(sink)).post(PATH).set(HEADER, SECRET).send(update('hello'));
      expect(res.status).toBe(200);
      expect(sink.accepted).toHaveLength(1);
      expect(sink.accepted[0]).toMatchObject({
        channel: 'telegram',
        channelMessageId: '4242.7',
        threadKey: 'telegram:4242',
        from: { identity: { kind: 'telegram', value: '4242' }, name: 'Ada' },
        text: 'hello',
      });
    });

    it('answers only once the sink has accepted the message', async () => {
      const sink = new RecordingSink();
      sink.hold();
      let answered = false;
      const pending = request(appWith(sink))
        .post(PATH)
        .set(HEADER, SECRET)
        .send(update('hello'))
        .then((res) => {
          answered = true;
          return res;
        });
      // Wait until the request reached the sink, then check no answer went out.
      while (sink.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).toBe(false);
      sink.release();
      expect((await pending).status).toBe(200);
    });

    it('answers non-2xx when the message cannot be queued, so Telegram sends it again', async () => {
      const sink = new RecordingSink();
      sink.failWith = new SwitchboardError('SB_ERR_UNAVAILABLE', 'redis is away');
      const res = await request(appWith(sink)).post(PATH).set(HEADER, SECRET).send(update('hello'));
      expect(res.status).toBe(503);
    });

    it('acknowledges an update without text and queues nothing', async () => {
      const sink = new RecordingSink();
      const res = await request(appWith(sink))
        .post(PATH)
        .set(HEADER, SECRET)
        .send(update(undefined));
      expect(res.status).toBe(200);
      expect(sink.accepted).toEqual([]);
    });

    it('acknowledges a group message and queues nothing', async () => {
      const sink = new RecordingSink();
      const res = await request(appWith(sink))
        .post(PATH)
        .set(HEADER, SECRET)
        .send(update('hello all', 'supergroup'));
      expect(res.status).toBe(200);
      expect(sink.accepted).toEqual([]);
    });

    it('rejects a body over TELEGRAM_MAX_BODY_BYTES with 413', async () => {
      const sink = new RecordingSink();
      const res = await request(appWith(sink, { TELEGRAM_MAX_BODY_BYTES: '2048' }))
        .post(PATH)
        .set(HEADER, SECRET)
        .send(update('x'.repeat(4000)));
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('SB_ERR_PAYLOAD_TOO_LARGE');
      expect(sink.accepted).toEqual([]);
    });

    it('rejects a body that is not JSON with 400', async () => {
      const res = await request(appWith(new RecordingSink()))
        .post(PATH)
        .set(HEADER, SECRET)
        .set('content-type', 'application/json')
        .send('{"update_id":');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('SB_ERR_MALFORMED_JSON');
    });

    it('rejects a body that is not an update with 400 naming the field', async () => {
      const res = await request(appWith(new RecordingSink()))
        .post(PATH)
        .set(HEADER, SECRET)
        .send({ hello: 'world' });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('update_id');
    });
  });
});

describe('loadTelegramConfig', () => {
  it('leaves the channel off without a bot token', () => {
    expect(loadTelegramConfig({ TELEGRAM_WEBHOOK_SECRET: SECRET })).toBeUndefined();
    expect(loadTelegramConfig({ TELEGRAM_BOT_TOKEN: '' })).toBeUndefined();
  });

  it('stops with SB_ERR_CONFIG naming the secret when the token comes without it', () => {
    try {
      loadTelegramConfig({ TELEGRAM_BOT_TOKEN: TOKEN });
      expect.fail('a token without a secret was accepted');
    } catch (error) {
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_CONFIG');
      expect(isSwitchboardError(error) && error.field).toBe('TELEGRAM_WEBHOOK_SECRET');
    }
  });

  it('refuses a secret Telegram would refuse', () => {
    expect(() =>
      loadTelegramConfig({
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_WEBHOOK_SECRET: 'has spaces in it!!',
      }),
    ).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
  });

  it('defaults the API URL to Telegram and drops a trailing slash (grammY refuses one)', () => {
    expect(
      configOf({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET }).TELEGRAM_API_URL,
    ).toBe('https://api.telegram.org');
    expect(
      configOf({
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_URL: 'http://127.0.0.1:9/',
      }).TELEGRAM_API_URL,
    ).toBe('http://127.0.0.1:9');
  });
});
