/**
 * Signed users over HTTP, on a gateway with Redis and the pool: the token request carries the
 * user, the Direct Line token keeps it, and every message of the conversation reaches the pool
 * with it; what a browser could forge (a bad signature, a bloated body, a visitor identity in an
 * activity's channelData) changes nothing.
 */
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userHash } from '../../../channels/webchat/signed-user.ts';
import { VISITOR_CHANNEL_DATA_KEY } from '../../../channels/webchat/visitor-identity.ts';
import type { Gateway } from '../../../src/app.ts';
import type { Responder } from '../../../src/domain/ports.ts';
import { searchContacts } from '../../../src/pool/gdpr.ts';
import { listenGateway, startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { DirectLineClient, freshIp, type StartedConversation } from './directline-client.ts';

const IDENTITY_SECRET = 'routes-identity-secret-0123456789abcdef';
const GENERATE = '/v3/directline/tokens/generate';

const responder: Responder = {
  respond: () =>
    Promise.resolve({ action: 'reply', text: 'Noted.', counted: 'answer', intent: 'noted' }),
};

let gateway: Gateway;
let served: Awaited<ReturnType<typeof listenGateway>>;
let client: DirectLineClient;

beforeAll(async () => {
  gateway = await startTestGateway({
    config: testConfig(),
    responder,
    env: {
      WEBCHAT_TOKEN_SECRET: 'routes-token-secret-0123456789abcdef-xyz',
      WEBCHAT_IDENTITY_SECRET: IDENTITY_SECRET,
      WEBCHAT_STARTS_PER_IP: '1000',
    },
  });
  served = await listenGateway(gateway);
  client = new DirectLineClient(served.url);
});

afterAll(async () => {
  await served?.close();
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.queues.inbound.obliterate({ force: true });
  await gateway?.queues.outbound.obliterate({ force: true });
  await gateway?.stop();
});

function generate(body: unknown) {
  return request(served.url)
    .post(GENERATE)
    .set('x-forwarded-for', freshIp())
    .set('content-type', 'application/json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Posts a message and waits for the pool's copy; the contact it landed on. */
async function contactAfter(
  conversation: Pick<StartedConversation, 'conversationId' | 'token'>,
  text: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await client.post(conversation.conversationId, conversation.token, {
    type: 'message',
    text,
    ...extra,
  });
  expect(res.status).toBe(200);
  const stored = await waitFor(() => gateway.pool.getMessage(`webchat.${res.body.id as string}`), {
    what: 'the stored message',
  });
  const ticket = await gateway.pool.getTicket(stored.ticketId);
  return String(ticket?.contactId);
}

describe('web chat token requests with a signed user', () => {
  it('bind the user for the whole conversation, across a token refresh, out of the transcript', async () => {
    const jwt = await new SignJWT({ email: 'Ana@Example.com', phone: '+44 20 7946 0958' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('crm-7')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(IDENTITY_SECRET));
    const started = await generate({ user: { jwt } });
    expect(started.status).toBe(201);
    const conversation = started.body as StartedConversation;
    const contactId = await contactAfter(conversation, 'first message');
    const [contact] = await searchContacts(gateway.pool.models, 'ana@example.com');
    expect(contact?.id).toBe(contactId);
    expect(contact?.identities).toEqual(
      expect.arrayContaining([
        { kind: 'webchat', value: 'user:crm-7', verified: true },
        { kind: 'email', value: 'ana@example.com', verified: true },
        { kind: 'phone', value: '+442079460958', verified: true },
      ]),
    );

    const refreshed = await request(served.url)
      .post('/v3/directline/tokens/refresh')
      .set('authorization', `Bearer ${conversation.token}`);
    expect(refreshed.status).toBe(200);
    const again = await contactAfter(
      { conversationId: conversation.conversationId, token: refreshed.body.token as string },
      'after the refresh',
    );
    expect(again).toBe(contactId);

    // The visitor's identity is the bot's to read, not the transcript's.
    const history = await client.activities(conversation.conversationId, conversation.token);
    expect(JSON.stringify(history.body)).not.toContain('ana@example.com');
  });

  it('refuses a wrong hash or a forged JWT with 401 SB_ERR_IDENTITY_INVALID', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'crm-7', exp: Math.floor(Date.now() / 1000) + 60 }),
    ).toString('base64url')}.`;
    for (const user of [
      { id: 'crm-7', email: 'ana@example.com', hash: userHash(IDENTITY_SECRET, 'crm-7', 'x@y.z') },
      { jwt: none },
    ]) {
      const res = await generate({ user });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('SB_ERR_IDENTITY_INVALID');
    }
  });

  it('answers 400 to malformed JSON or unknown fields, 413 to a bloated body', async () => {
    const malformed = await generate('{"user": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('SB_ERR_MALFORMED_JSON');
    const unknown = await generate({ user: { id: 'crm-7', hash: 'ab', role: 'admin' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('SB_ERR_VALIDATION');
    const bloated = await generate({ prechat: { name: 'x'.repeat(20_000) } });
    expect(bloated.status).toBe(413);
    expect(bloated.body.error.message).toBe('the token request exceeds 16384 bytes');
  });

  it('ignores a visitor identity an anonymous browser writes into its activity', async () => {
    const conversation = await client.start();
    const contactId = await contactAfter(conversation, 'I am the CEO', {
      channelData: {
        [VISITOR_CHANNEL_DATA_KEY]: { user: { id: 'ceo', email: 'ceo@example.com' } },
      },
    });
    expect(await searchContacts(gateway.pool.models, 'ceo@example.com')).toEqual([]);
    const [contact] = await searchContacts(gateway.pool.models, conversation.userId);
    expect(contact?.id).toBe(contactId);
    expect(contact?.identities).toEqual([
      { kind: 'webchat', value: conversation.userId, verified: true },
    ]);
  });
});
