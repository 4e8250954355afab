/**
 * Erasure is complete: after a contact's conversation ran through every queue (inbound, outbound,
 * the desk's card, relay and an agent's reply), erasing them leaves none of their data anywhere in
 * Redis or MongoDB. Finished jobs keep ids only, and the desk's queue is searched too.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deskJobId } from '../../src/desk/jobs.ts';
import { API, makeAccount, signIn } from '../admin/support.ts';
import { AGENTS, DeskHarness } from '../desk/harness.ts';
import { threadMessageEvent } from '../desk/slack-requests.ts';
import { waitFor } from '../support/gateway.ts';

const NAME = 'Philippa Quarterman';
const CONVERSATION = 'erase-me-7731';
const EMAIL = `${CONVERSATION}@example.com`;
const TEXT = 'my zanzibar-blue parcel never arrived';
const REPLY = 'Hello Philippa Quarterman, your zanzibar-blue parcel is on its way';
const TRACES = [NAME, EMAIL, 'zanzibar-blue', 'Quarterman'];

let h: DeskHarness;

beforeAll(async () => {
  h = await DeskHarness.start();
  await makeAccount(h.gateway, 'admin');
});

afterAll(async () => {
  await h.stop();
});

/** Every key and value under the deployment's prefix, as text. */
async function redisText(redis: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, '0', '-1')));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/** Every document of every collection of the deployment's database, as text. */
async function mongoText(): Promise<string> {
  const db = h.gateway.pool.models.Ticket.db.db;
  if (!db) throw new Error('no database');
  const parts: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    parts.push(JSON.stringify(await db.collection(name).find({}).toArray()));
  }
  return parts.join('\n');
}

describe('erasure', () => {
  it('leaves no trace of the contact in Redis or MongoDB after traffic on every queue', async () => {
    await h.customerWrites(CONVERSATION, TEXT, NAME);
    const card = await h.cardFor(NAME);
    const ts = '1700300000.000001';
    const reply = threadMessageEvent({
      channel: AGENTS,
      threadTs: card.ts,
      ts,
      user: 'U0AGENT1',
      text: REPLY,
    });
    expect((await h.post(reply, 'json')).status).toBe(200);
    expect(await h.finishedJob(deskJobId('reply', AGENTS, ts))).toBe('sent');
    await waitFor(() => h.callbackTexts().some((t) => t.includes('on its way')), {
      what: 'the reply delivered',
    });

    // A second message while the ticket waits: relayed into the card's thread by the bot.
    await h.customerWrites(CONVERSATION, 'any news about the zanzibar-blue parcel?', NAME);
    await waitFor(() => h.slack.posted.some((p) => p.threadTs === card.ts) || undefined, {
      what: 'the relay in the card thread',
    });
    const redis = new Redis(inject('redisUrl'));
    const prefix = h.gateway.config.QUEUE_PREFIX;
    // The scan sees the queues (the desk's reply job among them).
    expect(await redisText(redis, prefix)).toContain(`desk:${deskJobId('reply', AGENTS, ts)}`);

    const admin = await signIn(h.gateway, 'admin@example.test');
    const found = await admin.agent.get(`${API}/contacts`).query({ q: EMAIL });
    const contactId = (found.body as { contacts: Array<{ id: string }> }).contacts[0]?.id;
    expect(contactId).toBeDefined();
    const erased = await admin.agent
      .post(`${API}/contacts/${contactId}/erase`)
      .set('x-csrf-token', admin.csrf)
      .send({});
    expect(erased.status).toBe(200);
    // What the bot posted about the ticket is gone from Slack: the card and the relay.
    expect(erased.body.counts.slackMessages).toBeGreaterThanOrEqual(2);
    expect(h.slack.posted.filter((p) => p.ts === card.ts || p.threadTs === card.ts)).toEqual([]);

    const inRedis = await redisText(redis, prefix);
    const inMongo = await mongoText();
    for (const trace of TRACES) {
      expect(inRedis, `Redis still holds "${trace}"`).not.toContain(trace);
      expect(inMongo, `MongoDB still holds "${trace}"`).not.toContain(trace);
    }
    redis.disconnect();
  }, 60_000);
});
