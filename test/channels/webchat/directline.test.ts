import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createWebchatChannel } from '../../../channels/webchat/adapter.ts';
import { MAX_STREAMS_PER_CONVERSATION } from '../../../channels/webchat/stream.ts';
import { DirectLineTokens } from '../../../channels/webchat/verify.ts';
import type { Gateway } from '../../../src/app.ts';
import { SwitchboardError } from '../../../src/domain/errors.ts';
import { OutboundMessageSchema } from '../../../src/domain/message.ts';
import type { InboundSink, Responder } from '../../../src/domain/ports.ts';
import { errorHandler } from '../../../src/http/errors.ts';
import { QueueInboundSink } from '../../../src/pipeline/inbound-sink.ts';
import { jobIdFor } from '../../../src/pipeline/queues.ts';
import { sendAgentReply } from '../../../src/pipeline/replies.ts';
import { PoolWebchatFileStore } from '../../../channels/webchat/store.ts';
import { listenGateway, startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import {
  DirectLineClient,
  freshIp,
  StreamReader,
  type StartedConversation,
  type TestActivity,
} from './directline-client.ts';

const SECRET = 'webchat-test-secret-0123456789abcdef';
const WELCOME = 'Hi! Ask me anything about your order.';
const PER_VISITOR = 6;
const STARTS_PER_IP = 3;
const MAX_ACTIVITY_BYTES = 4096;
const MAX_TEXT = 500;
const UPLOAD_MAX = 2048;

const ENV = {
  WEBCHAT_TOKEN_SECRET: SECRET,
  WEBCHAT_WELCOME_MESSAGE: WELCOME,
  WEBCHAT_BRAND_NAME: 'Acme Support',
  WEBCHAT_MESSAGES_PER_VISITOR: String(PER_VISITOR),
  WEBCHAT_MESSAGES_PER_IP: '1000',
  WEBCHAT_STARTS_PER_IP: String(STARTS_PER_IP),
  WEBCHAT_MAX_ACTIVITY_BYTES: String(MAX_ACTIVITY_BYTES),
  WEBCHAT_MAX_TEXT_LENGTH: String(MAX_TEXT),
  WEBCHAT_UPLOAD_MAX_BYTES: String(UPLOAD_MAX),
  WEBCHAT_UPLOAD_TYPES: 'image/png,text/plain',
};

/** A question the responder is "not sure" about: it answers with these choices. */
const UNSURE = 'which one?';
const CHOICES = ['How do gift cards work?', 'What are your opening hours?'];

/**
 * Answers every message with markdown naming what it was asked, so answers are told apart; the
 * UNSURE question also gets CHOICES, as the intent layer's "did you mean" does.
 */
const responder: Responder = {
  respond: ({ message }) =>
    Promise.resolve({
      action: 'reply',
      text: `Answer to: ${message.text}`,
      markdown: `**Answer** to: ${message.text}`,
      ...(message.text === UNSURE ? { choices: CHOICES } : {}),
      counted: 'answer',
      intent: 'test',
    }),
};

const isAnswerTo = (text: string) => (a: TestActivity) =>
  a.type === 'message' && a.from.role === 'bot' && a.text === `**Answer** to: ${text}`;

// Two processes' worth of gateway on one Redis and database: the api role holds the sockets and
// takes the posts; the worker role runs the pipeline and sends answers. Nothing reaches the
// visitor unless it goes through the shared stores.
let api: Gateway;
let worker: Gateway;
let served: Awaited<ReturnType<typeof listenGateway>>;
let client: DirectLineClient;

beforeAll(async () => {
  const config = testConfig({ OUTBOUND_BACKOFF_MS: '100' });
  api = await startTestGateway({ config, role: 'api', env: ENV });
  worker = await startTestGateway({ config, role: 'worker', responder, env: ENV });
  served = await listenGateway(api);
  client = new DirectLineClient(served.url);
});

afterAll(async () => {
  await served?.close();
  await api?.pool.models.Ticket.db.dropDatabase();
  await api?.queues.inbound.obliterate({ force: true });
  await api?.queues.outbound.obliterate({ force: true });
  await worker?.stop();
  await api?.stop();
});

async function started(): Promise<StartedConversation> {
  const conversation = await client.start();
  const res = await request(served.url)
    .post('/v3/directline/conversations')
    .set('authorization', `Bearer ${conversation.token}`);
  expect(res.status).toBe(201);
  return conversation;
}

describe('web chat Direct Line', () => {
  describe('when a visitor starts a conversation', () => {
    it('gets a conversation, a token bound to it, a stream URL and the welcome message', async () => {
      const conversation = await client.start();
      expect(conversation.conversationId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(conversation.expires_in).toBe(1800);
      expect(conversation.streamUrl).toMatch(
        new RegExp(
          `^ws://127\\.0\\.0\\.1:\\d+/v3/directline/conversations/${conversation.conversationId}/stream\\?`,
        ),
      );
      const res = await request(served.url)
        .post('/v3/directline/conversations')
        .set('authorization', `Bearer ${conversation.token}`);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ conversationId: conversation.conversationId });
      const history = await client.activities(conversation.conversationId, conversation.token);
      expect(history.status).toBe(200);
      expect(history.body.activities).toHaveLength(1);
      expect(history.body.activities[0]).toMatchObject({
        type: 'message',
        text: WELCOME,
        from: { role: 'bot', name: 'Acme Support' },
      });
      expect(history.body.watermark).toMatch(/^\d+-\d+$/);
    });

    it('is refused POST /conversations without a token (401)', async () => {
      const res = await request(served.url).post('/v3/directline/conversations');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('SB_ERR_UNAUTHENTICATED');
    });
  });

  describe('when the visitor posts a message', () => {
    it('acknowledges it with an id, echoes it and the answer arrives by polling after the watermark', async () => {
      const conversation = await started();
      const first = await client.activities(conversation.conversationId, conversation.token);
      const res = await client.say(conversation, 'where is my parcel?', {
        clientActivityID: 'client-1',
      });
      expect(res.status).toBe(200);
      expect(typeof res.body.id).toBe('string');

      const after = await client.activities(
        conversation.conversationId,
        conversation.token,
        first.body.watermark as string,
      );
      // The echo: our id, the visitor as sender, Web Chat's clientActivityID kept.
      expect(after.body.activities[0]).toMatchObject({
        id: res.body.id,
        type: 'message',
        text: 'where is my parcel?',
        from: { id: conversation.userId, role: 'user' },
        channelData: { clientActivityID: 'client-1' },
      });
      const answer = await client.pollFor(
        conversation.conversationId,
        conversation.token,
        after.body.watermark as string,
        isAnswerTo('where is my parcel?'),
        'the answer by polling',
      );
      expect(answer.activity).toMatchObject({ textFormat: 'markdown', from: { role: 'bot' } });
      expect(answer.activity.suggestedActions).toBeUndefined();
      // The message is in the pool: activity id = idempotency key, conversation id = thread key.
      const stored = await api.pool.getMessage(`webchat.${res.body.id as string}`);
      expect(stored?.text).toBe('where is my parcel?');
      const ticket = await api.pool.getTicket(stored!.ticketId);
      expect(ticket).toMatchObject({
        channel: 'webchat',
        threadKey: conversation.conversationId,
        replyTo: { kind: 'webchat', value: conversation.userId },
      });
    });

    it("offers the answer's choices as suggested actions (imBack buttons) to that visitor", async () => {
      const conversation = await started();
      const res = await client.say(conversation, UNSURE);
      expect(res.status).toBe(200);
      const { activity } = await client.pollFor(
        conversation.conversationId,
        conversation.token,
        '',
        isAnswerTo(UNSURE),
        'the answer with choices',
      );
      // Web Chat shows suggested actions only when `to` is empty or holds its own user id.
      expect(activity.suggestedActions).toEqual({
        to: [conversation.userId],
        actions: CHOICES.map((c) => ({ type: 'imBack', title: c, value: c })),
      });
      // The stored answer keeps them (the outbound worker builds the activity from it).
      const stored = await api.pool.getMessage(`sb.reply.webchat.${res.body.id as string}`);
      expect(stored?.choices).toEqual(CHOICES);
    });

    it('stores a retried post (same clientActivityID) once and answers it once', async () => {
      const conversation = await started();
      const one = await client.say(conversation, 'duplicate?', { clientActivityID: 'dup-1' });
      const two = await client.say(conversation, 'duplicate?', { clientActivityID: 'dup-1' });
      expect(one.status).toBe(200);
      expect(two.status).toBe(200);
      expect(two.body.id).toBe(one.body.id);
      await client.pollFor(
        conversation.conversationId,
        conversation.token,
        '',
        isAnswerTo('duplicate?'),
        'the answer',
      );
      const stored = await api.pool.getMessage(`webchat.${one.body.id as string}`);
      const messages = await api.pool.listMessages(stored!.ticketId);
      expect(messages.filter((m) => m.direction === 'in')).toHaveLength(1);
      const history = await client.activities(conversation.conversationId, conversation.token);
      const all = history.body.activities as TestActivity[];
      expect(all.filter((a) => a.text === 'duplicate?')).toHaveLength(1);
      // Let a late second answer show up if there were one.
      await client.say(conversation, 'and then?');
      await client.pollFor(
        conversation.conversationId,
        conversation.token,
        '',
        isAnswerTo('and then?'),
        'second answer',
      );
      const later = await client.activities(conversation.conversationId, conversation.token);
      expect(
        (later.body.activities as TestActivity[]).filter(isAnswerTo('duplicate?')),
      ).toHaveLength(1);
    });
  });

  describe('when the visitor listens on the WebSocket stream', () => {
    it('gets the history, then its echo, a typing indicator and the answer', async () => {
      const conversation = await started();
      const stream = await StreamReader.open(conversation.streamUrl);
      try {
        await stream.waitFor((a) => a.text === WELCOME, 'the welcome message');
        const res = await client.say(conversation, 'socket question');
        await stream.waitFor((a) => a.id === res.body.id, 'the echo');
        await stream.waitFor((a) => a.type === 'typing', 'the typing indicator');
        await stream.waitFor(isAnswerTo('socket question'), 'the answer over the socket');
        // Each activity once, in order: welcome, echo, answer.
        const messages = stream.activities.filter((a) => a.type === 'message');
        expect(messages.map((a) => a.text)).toEqual([
          WELCOME,
          'socket question',
          '**Answer** to: socket question',
        ]);
        expect(stream.watermark).toMatch(/^\d+-\d+$/);
      } finally {
        await stream.close();
      }
    });

    it('resumes after a dropped socket from its watermark: only what came after', async () => {
      const conversation = await started();
      const first = await StreamReader.open(conversation.streamUrl);
      await client.say(conversation, 'before the drop');
      await first.waitFor(isAnswerTo('before the drop'), 'the first answer');
      const watermark = first.watermark!;
      await first.close();

      await client.say(conversation, 'while away');
      // Web Chat's reconnect: GET /conversations/:id?watermark= gives a new stream URL.
      const res = await request(served.url)
        .get(`/v3/directline/conversations/${conversation.conversationId}`)
        .query({ watermark })
        .set('authorization', `Bearer ${conversation.token}`);
      expect(res.status).toBe(200);
      expect(res.body.streamUrl).toContain(`watermark=${encodeURIComponent(watermark)}`);
      const second = await StreamReader.open(res.body.streamUrl as string);
      try {
        await second.waitFor(isAnswerTo('while away'), 'the answer sent while away');
        const texts = second.activities.filter((a) => a.type === 'message').map((a) => a.text);
        expect(texts).not.toContain(WELCOME);
        expect(texts).not.toContain('before the drop');
        expect(texts).toContain('while away');
      } finally {
        await second.close();
      }
    });

    it('refuses more than a few open streams for one conversation', async () => {
      const conversation = await started();
      const open = [];
      for (let i = 0; i < MAX_STREAMS_PER_CONVERSATION; i += 1)
        open.push(await StreamReader.open(conversation.streamUrl));
      await expect(StreamReader.open(conversation.streamUrl)).rejects.toThrow('refused with 429');
      await open[0]?.close();
      await waitFor(
        () =>
          StreamReader.open(conversation.streamUrl).then(
            (reader) => (open.push(reader), true),
            () => false,
          ),
        { what: 'a stream once one closed' },
      );
      for (const reader of open) await reader.close();
    });

    it('refuses a stream without a valid token for that conversation', async () => {
      const conversation = await started();
      const other = await started();
      const url = new URL(conversation.streamUrl);
      url.searchParams.set('t', other.token);
      await expect(StreamReader.open(url.href)).rejects.toThrow('refused with 403');
      url.searchParams.set('t', 'not-a-token');
      await expect(StreamReader.open(url.href)).rejects.toThrow('refused with 401');
    });
  });

  describe('when an agent answers on the ticket', () => {
    it('arrives in the conversation with the agent name as the sender', async () => {
      const conversation = await started();
      const res = await client.say(conversation, 'I want a person');
      const stored = await waitFor(() => api.pool.getMessage(`webchat.${res.body.id as string}`), {
        what: 'the stored message',
      });
      await sendAgentReply(
        { pool: api.pool, outbound: api.queues.outbound },
        {
          ticketId: String(stored.ticketId),
          key: `reply-${conversation.conversationId}`,
          agentId: 'U123',
          agentName: 'Dana Agent',
          text: 'Hello, this is Dana. I can help.',
        },
      );
      const { activity } = await client.pollFor(
        conversation.conversationId,
        conversation.token,
        '',
        (a) => a.text?.endsWith('Hello, this is Dana. I can help.') === true,
        "the agent's reply",
      );
      expect(activity.from).toMatchObject({ name: 'Dana Agent', role: 'bot' });
      // Web Chat shows no sender names: the name heads the text.
      expect(activity.text).toBe('**Dana Agent**\n\nHello, this is Dana. I can help.');
    });
  });

  describe('tokens', () => {
    it('refreshes a valid token for the same conversation', async () => {
      const conversation = await started();
      const res = await request(served.url)
        .post('/v3/directline/tokens/refresh')
        .set('authorization', `Bearer ${conversation.token}`);
      expect(res.status).toBe(200);
      expect(res.body.conversationId).toBe(conversation.conversationId);
      const history = await client.activities(
        conversation.conversationId,
        res.body.token as string,
      );
      expect(history.status).toBe(200);
    });

    it('answers 403 SB_ERR_TOKEN_EXPIRED to an expired token, also on refresh', async () => {
      const conversation = await started();
      const hourAgo = new DirectLineTokens(SECRET, 60, () => Date.now() - 3_600_000);
      const { token } = await hourAgo.issue({
        conversationId: conversation.conversationId,
        userId: conversation.userId,
      });
      const post = await client.say({ ...conversation, token }, 'too late');
      expect(post.status).toBe(403);
      expect(post.body.error.code).toBe('SB_ERR_TOKEN_EXPIRED');
      const get = await client.activities(conversation.conversationId, token);
      expect(get.status).toBe(403);
      const refresh = await request(served.url)
        .post('/v3/directline/tokens/refresh')
        .set('authorization', `Bearer ${token}`);
      expect(refresh.status).toBe(403);
    });

    it("refuses another conversation's token (403) and a forged one (401)", async () => {
      const mine = await started();
      const theirs = await started();
      const res = await client.say({ ...mine, token: theirs.token }, 'not yours');
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({
        code: 'SB_ERR_FORBIDDEN',
        message: 'the Direct Line token is for another conversation',
      });
      const read = await client.activities(mine.conversationId, theirs.token);
      expect(read.status).toBe(403);
      const forged = await new DirectLineTokens('another-secret-0123456789abcdefghij', 600).issue({
        conversationId: mine.conversationId,
        userId: mine.userId,
      });
      const bad = await client.say({ ...mine, token: forged.token }, 'forged');
      expect(bad.status).toBe(401);
      expect(bad.body.error.code).toBe('SB_ERR_UNAUTHENTICATED');
      const none = await request(served.url).get(
        `/v3/directline/conversations/${mine.conversationId}/activities`,
      );
      expect(none.status).toBe(401);
    });
  });

  describe('watermarks', () => {
    it('pages: each watermark gives exactly what came after it', async () => {
      const conversation = await started();
      const marks: string[] = [];
      let mark = (await client.activities(conversation.conversationId, conversation.token)).body
        .watermark as string;
      for (const text of ['one', 'two', 'three']) {
        await client.say(conversation, text);
        const page = await client.activities(conversation.conversationId, conversation.token, mark);
        expect((page.body.activities as TestActivity[]).map((a) => a.text)).toContain(text);
        mark = page.body.watermark as string;
        marks.push(mark);
      }
      const tail = await client.activities(
        conversation.conversationId,
        conversation.token,
        marks[1],
      );
      const texts = (tail.body.activities as TestActivity[]).map((a) => a.text);
      expect(texts).toContain('three');
      expect(texts).not.toContain('one');
      expect(texts).not.toContain('two');
    });

    it('answers 400 to a watermark it never gave', async () => {
      const conversation = await started();
      const res = await client.activities(conversation.conversationId, conversation.token, 'abc');
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('watermark');
    });
  });

  describe('limits and bad input', () => {
    it('answers 429 with Retry-After once a visitor posts more than the limit', async () => {
      const conversation = await started();
      for (let i = 0; i < PER_VISITOR; i += 1) {
        const ok = await client.say(conversation, `message ${i}`);
        expect(ok.status).toBe(200);
      }
      const res = await client.say(conversation, 'one too many');
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('SB_ERR_RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('answers 429 once an address starts more conversations than the limit', async () => {
      const ip = freshIp();
      for (let i = 0; i < STARTS_PER_IP; i += 1) await client.start(ip);
      const res = await request(served.url)
        .post('/v3/directline/tokens/generate')
        .set('x-forwarded-for', ip);
      expect(res.status).toBe(429);
      expect(res.body.error.message).toContain('too many conversations started from this address');
      // Another address is not affected.
      await client.start(freshIp());
    });

    it('answers 413 to an activity over the size limit, and to text over the length limit', async () => {
      const conversation = await started();
      const big = await client.say(conversation, 'x'.repeat(MAX_ACTIVITY_BYTES + 10));
      expect(big.status).toBe(413);
      expect(big.body.error.message).toBe(`the activity exceeds ${MAX_ACTIVITY_BYTES} bytes`);
      const long = await client.say(conversation, 'y'.repeat(MAX_TEXT + 1));
      expect(long.status).toBe(413);
      expect(long.body.error).toMatchObject({ code: 'SB_ERR_PAYLOAD_TOO_LARGE', field: 'text' });
    });

    it('answers 400 to malformed JSON and to an activity without text', async () => {
      const conversation = await started();
      const res = await request(served.url)
        .post(`/v3/directline/conversations/${conversation.conversationId}/activities`)
        .set('authorization', `Bearer ${conversation.token}`)
        .set('content-type', 'application/json')
        .send('{"type": "message", "text": ');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('SB_ERR_MALFORMED_JSON');
      const empty = await client.post(conversation.conversationId, conversation.token, {
        type: 'message',
        text: '   ',
      });
      expect(empty.status).toBe(400);
      expect(empty.body.error.field).toBe('text');
      const odd = await client.post(conversation.conversationId, conversation.token, {
        type: 'invoke',
      });
      expect(odd.status).toBe(400);
      expect(odd.body.error.field).toBe('type');
    });
  });

  describe('uploads', () => {
    function upload(conversation: StartedConversation, file: Buffer, name: string, type: string) {
      return request(served.url)
        .post(`/v3/directline/conversations/${conversation.conversationId}/upload`)
        .query({ userId: conversation.userId })
        .set('authorization', `Bearer ${conversation.token}`)
        .field('activity', JSON.stringify({ type: 'message', text: 'see attached' }), {
          contentType: 'application/vnd.microsoft.activity',
        })
        .attach('file', file, { filename: name, contentType: type });
    }

    it('stores an accepted file, posts it as a message and serves it inert', async () => {
      const conversation = await started();
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const res = await upload(conversation, png, 'screen.png', 'image/png');
      expect(res.status).toBe(200);
      const { activity } = await client.pollFor(
        conversation.conversationId,
        conversation.token,
        '',
        (a) => a.id === res.body.id,
        'the upload echo',
      );
      const attachment = activity.attachments?.[0];
      expect(attachment).toMatchObject({ contentType: 'image/png', name: 'screen.png' });
      const file = await request(served.url).get(new URL(attachment!.contentUrl).pathname);
      expect(file.status).toBe(200);
      expect(Buffer.compare(file.body as Buffer, png)).toBe(0);
      expect(file.headers['x-content-type-options']).toBe('nosniff');
      const stored = await waitFor(() => api.pool.getMessage(`webchat.${res.body.id as string}`), {
        what: 'the stored upload message',
      });
      expect(stored.attachments[0]).toMatchObject({
        name: 'screen.png',
        contentType: 'image/png',
        size: png.length,
        url: attachment!.contentUrl,
      });
    });

    it('refuses a type not on the list (415) and a file over the size limit (413)', async () => {
      const conversation = await started();
      const html = await upload(
        conversation,
        Buffer.from('<script>alert(1)</script>'),
        'x.html',
        'text/html',
      );
      expect(html.status).toBe(415);
      expect(html.body.error.message).toContain(
        '"x.html" is text/html; accepted: image/png, text/plain',
      );
      const big = await upload(
        conversation,
        Buffer.alloc(UPLOAD_MAX + 100_000, 1),
        'big.txt',
        'text/plain',
      );
      expect(big.status).toBe(413);
      expect(big.body.error.message).toBe(`the upload exceeds ${UPLOAD_MAX} bytes`);
      const justOver = await upload(
        conversation,
        Buffer.alloc(UPLOAD_MAX + 1, 1),
        'over.txt',
        'text/plain',
      );
      expect(justOver.status).toBe(413);
      expect(justOver.body.error.message).toContain(
        `"over.txt" is larger than ${UPLOAD_MAX} bytes`,
      );
    });

    // Security review, issue 18 item 2: the activity beside the file had no limit of its own, and
    // its channelData was kept whole in the Redis transcript for 30 days.
    it('refuses an activity part over the activity limit (413) and stores nothing', async () => {
      const conversation = await started();
      const before = await client.activities(conversation.conversationId, conversation.token);
      const bulky = JSON.stringify({
        type: 'message',
        text: 'see attached',
        channelData: { junk: 'x'.repeat(MAX_ACTIVITY_BYTES) },
      });
      const res = await request(served.url)
        .post(`/v3/directline/conversations/${conversation.conversationId}/upload`)
        .query({ userId: conversation.userId })
        .set('authorization', `Bearer ${conversation.token}`)
        .field('activity', bulky, { contentType: 'application/vnd.microsoft.activity' })
        .attach('file', Buffer.from('hello'), { filename: 'a.txt', contentType: 'text/plain' });
      expect(res.status).toBe(413);
      expect(res.body.error.field).toBe('activity');
      const after = await client.activities(conversation.conversationId, conversation.token);
      expect(after.body.activities).toHaveLength(before.body.activities.length);
      expect(
        await api.pool.models.Ticket.db
          .collection('webchat_files')
          .countDocuments({ conversationId: conversation.conversationId }),
      ).toBe(0);
    });

    it('keeps only the channelData fields the product uses in the transcript', async () => {
      const conversation = await started();
      const res = await request(served.url)
        .post(`/v3/directline/conversations/${conversation.conversationId}/activities`)
        .set('authorization', `Bearer ${conversation.token}`)
        .send({
          type: 'message',
          text: 'hello there',
          channelData: { clientActivityID: 'c-1', junk: 'y'.repeat(2000), nested: { a: 1 } },
        });
      expect(res.status).toBe(200);
      const { activity } = await client.pollFor(
        conversation.conversationId,
        conversation.token,
        '',
        (a) => a.id === res.body.id,
        'the echo',
      );
      expect(activity.channelData).toEqual({ clientActivityID: 'c-1' });
    });
  });
});

describe('web chat channel', () => {
  function channelApp(redis: Redis, env: Record<string, string>, sink?: InboundSink) {
    const channel = createWebchatChannel({
      sink: sink ?? new QueueInboundSink(api.queues.inbound),
      redis,
      files: new PoolWebchatFileStore(api.pool.models.Ticket.db),
      prefix: 'sbtest_webchat_unit',
      env,
    });
    if (!channel) throw new Error('the channel did not turn on');
    const app = express();
    app.use(channel.router);
    app.use(errorHandler());
    return app;
  }

  describe('when the pipeline cannot take the message', () => {
    it('answers 503, and the retried post (same clientActivityID) is taken once', async () => {
      const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
      const accepted: string[] = [];
      let down = true;
      const sink: InboundSink = {
        accept: (message) => {
          if (down) {
            return Promise.reject(
              new SwitchboardError('SB_ERR_UNAVAILABLE', 'the queue is unreachable'),
            );
          }
          accepted.push(message.channelMessageId);
          return Promise.resolve({ jobId: message.channelMessageId, duplicate: false });
        },
      };
      try {
        const app = channelApp(redis, ENV, sink);
        const start = await request(app)
          .post('/v3/directline/tokens/generate')
          .set('x-forwarded-for', freshIp());
        const { conversationId, token } = start.body as StartedConversation;
        const post = () =>
          request(app)
            .post(`/v3/directline/conversations/${conversationId}/activities`)
            .set('authorization', `Bearer ${token}`)
            .send({ type: 'message', text: 'hello?', channelData: { clientActivityID: 'c-503' } });
        const refused = await post();
        expect(refused.status).toBe(503);
        expect(refused.body.error.code).toBe('SB_ERR_UNAVAILABLE');
        down = false;
        const taken = await post();
        expect(taken.status).toBe(200);
        expect(accepted).toEqual([taken.body.id]);
        const history = await request(app)
          .get(`/v3/directline/conversations/${conversationId}/activities`)
          .set('authorization', `Bearer ${token}`);
        const echoes = (history.body.activities as TestActivity[]).filter(
          (a) => a.text === 'hello?',
        );
        expect(echoes.map((a) => a.id)).toEqual([taken.body.id]);
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('when Redis is unreachable', () => {
    it('answers 503 (retry later), never 5xx-internal or a lost message', async () => {
      const dead = new Redis('redis://127.0.0.1:1', {
        maxRetriesPerRequest: 1,
        lazyConnect: true,
        retryStrategy: () => null,
      });
      dead.on('error', () => undefined);
      try {
        const res = await request(channelApp(dead, ENV))
          .post('/v3/directline/tokens/generate')
          .set('x-forwarded-for', freshIp());
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('SB_ERR_UNAVAILABLE');
      } finally {
        dead.disconnect();
      }
    });
  });

  describe('when WEBCHAT_TOKEN_SECRET is unset', () => {
    it('stays off', () => {
      const channel = createWebchatChannel({
        sink: new QueueInboundSink(api.queues.inbound),
        redis: new Redis({ lazyConnect: true }),
        files: new PoolWebchatFileStore(api.pool.models.Ticket.db),
        prefix: 'x',
        env: {},
      });
      expect(channel).toBeUndefined();
    });
  });

  describe('when a conversation came from Azure Bot Service', () => {
    it("answers through the conversation's Bot Connector service, agent named in the text", async () => {
      // A stand-in for the Bot Connector at the conversation's serviceUrl.
      const received: Array<{ path: string; body: Record<string, unknown> }> = [];
      const connector = createServer((req, res) => {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        req.on('end', () => {
          received.push({ path: req.url ?? '', body: JSON.parse(raw) as Record<string, unknown> });
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ id: 'connector-activity-1' }));
        });
      });
      await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', resolve));
      const redis = new Redis(inject('redisUrl'), { lazyConnect: true });
      try {
        const channel = createWebchatChannel({
          sink: new QueueInboundSink(api.queues.inbound),
          redis,
          files: new PoolWebchatFileStore(api.pool.models.Ticket.db),
          prefix: 'sbtest_webchat_unit',
          env: ENV,
        });
        const serviceUrl = `http://127.0.0.1:${(connector.address() as AddressInfo).port}/`;
        const result = await channel!.adapter.send(
          OutboundMessageSchema.parse({
            messageId: 'm-azure-1',
            ticketId: 't1',
            channel: 'webchat',
            threadKey: 'msteams/a:conv',
            to: { kind: 'webchat', value: 'msteams/29:user' },
            author: { kind: 'agent', name: 'Dana Agent' },
            text: 'Hello from the desk',
            channelData: {
              reference: {
                channelId: 'msteams',
                serviceUrl,
                conversation: { id: 'a:conv' },
                bot: { id: '28:bot', name: 'bot' },
                user: { id: '29:user' },
                activityId: 'incoming-1',
              },
            },
          }),
        );
        expect(result.providerMessageId).toBe('connector-activity-1');
        expect(received).toHaveLength(1);
        expect(received[0]!.path).toBe('/v3/conversations/a%3Aconv/activities');
        expect(received[0]!.body).toMatchObject({
          type: 'message',
          text: '**Dana Agent**\n\nHello from the desk',
          conversation: { id: 'a:conv' },
          recipient: { id: '29:user' },
        });
      } finally {
        redis.disconnect();
        await new Promise<void>((resolve) => connector.close(() => resolve()));
      }
    });
  });

  describe('/api/messages (Azure Bot Service)', () => {
    it('refuses an unauthenticated activity with 401 when an app id is configured', async () => {
      const redis = new Redis(inject('redisUrl'), { lazyConnect: true });
      try {
        const app = channelApp(redis, {
          ...ENV,
          WEBCHAT_MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001',
          WEBCHAT_MICROSOFT_APP_PASSWORD: 'not-a-real-password',
        });
        const activity = {
          type: 'message',
          id: 'a1',
          text: 'hello',
          channelId: 'msteams',
          serviceUrl: 'https://smba.trafficmanager.net/emea/',
          from: { id: '29:user' },
          recipient: { id: '28:bot' },
          conversation: { id: 'a:conv' },
        };
        const none = await request(app).post('/api/messages').send(activity);
        expect(none.status).toBe(401);
        const forged = await request(app)
          .post('/api/messages')
          .set('authorization', 'Bearer not.a.jwt')
          .send(activity);
        expect(forged.status).toBe(401);
        const queued = await api.queues.inbound.getJob(jobIdFor('webchat', 'msteams/a:conv/a1'));
        expect(queued).toBeUndefined();
      } finally {
        redis.disconnect();
      }
    });

    it('is not served at all without an app id', async () => {
      const redis = new Redis(inject('redisUrl'), { lazyConnect: true });
      try {
        const res = await request(channelApp(redis, ENV)).post('/api/messages').send({});
        expect(res.status).toBe(404);
      } finally {
        redis.disconnect();
      }
    });
  });
});
