/**
 * Issue 19, "done when": a signed web chat visitor who left gets the agent's answer by email
 * ("continue by email") with the attached PDF, which a real Dovecot mailbox receives and mailparser
 * reads back byte for byte. The visitor writes over the gateway's own Direct Line; the agent
 * uploads and answers from the console (admin API).
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userHash } from '../../../channels/webchat/signed-user.ts';
import { startLocalDovecot, type LocalDovecot } from '../../../src/local/dovecot.ts';
import { DeskHarness } from '../../desk/harness.ts';
import { newAgentAnswersWithFile } from '../../support/file-link.ts';
import { listenGateway } from '../../support/gateway.ts';
import { DirectLineClient } from '../webchat/directline-client.ts';
import { dovecotMailEnv, mailContaining, PASSWORD } from './mail-helpers.ts';

const SUPPORT = 'support@example.test';
const IDENTITY_SECRET = 'continue-files-identity-secret-0123456789';
const VISITOR = { id: 'shop-user-31', email: 'lea@customer.example', name: 'Lea Left' };
const ANSWER = 'Lea, the manual you asked for is attached.';
const PDF = Buffer.concat([Buffer.from('%PDF-1.5\n'), randomBytes(1500), Buffer.from('\n%%EOF\n')]);
const MANUAL = { name: 'heater-manual.pdf', type: 'application/pdf', bytes: PDF };

let h: DeskHarness;
let dovecot: LocalDovecot;
let served: Awaited<ReturnType<typeof listenGateway>>;

beforeAll(async () => {
  dovecot = await startLocalDovecot({
    users: ['support', 'lea'].map((name) => ({ name, password: PASSWORD })),
  });
  h = await DeskHarness.start({
    env: {
      ...dovecotMailEnv(dovecot, { address: SUPPORT }),
      WEBCHAT_TOKEN_SECRET: 'continue-files-directline-secret-0123456789',
      WEBCHAT_IDENTITY_SECRET: IDENTITY_SECRET,
      WEBCHAT_PRESENCE_SECONDS: '1',
    },
  });
  served = await listenGateway(h.gateway);
});

afterAll(async () => {
  await served?.close();
  await h?.stop();
  await dovecot?.stop();
});

describe('continue by email with a file', () => {
  it("emails the answer's PDF to a signed visitor who left, byte for byte", async () => {
    const started = await request(served.url)
      .post('/v3/directline/tokens/generate')
      .send({ user: { ...VISITOR, hash: userHash(IDENTITY_SECRET, VISITOR.id, VISITOR.email) } });
    expect(started.status).toBe(201);
    const chat = started.body as { conversationId: string; token: string; userId: string };
    const client = new DirectLineClient(served.url);
    expect((await client.say(chat, 'Where is the manual of my heater?')).status).toBe(200);
    const card = await h.cardFor(VISITOR.name);
    // She left: no poll for longer than WEBCHAT_PRESENCE_SECONDS.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    await newAgentAnswersWithFile(h, 'uma', card.ticketId, ANSWER, MANUAL);

    const mail = await mailContaining(dovecot, 'lea', ANSWER);
    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['heater-manual.pdf', 'application/pdf'],
    ]);
    expect(Buffer.compare(mail.attachments[0]!.content, PDF)).toBe(0);
  }, 60_000);
});
