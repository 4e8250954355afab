import { randomBytes } from 'node:crypto';
import { updateAgentSettings } from '../../src/accounts/agent-settings.ts';
import { enrolSlackAgent } from '../../src/accounts/enrolment.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { TicketPool } from '../../src/pool/pool.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import { uniqueName } from '../support/gateway.ts';

let pool: TicketPool;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  pool = await TicketPool.connect(inject('mongoUrl'), {
    dbName: uniqueName('sbload'),
    locks: redisDocumentLocks(redis, { prefix: uniqueName('sbload') }),
  });
});

afterAll(async () => {
  await pool.models.Agent.db.dropDatabase();
  await pool.close();
  redis.disconnect();
});

/** Enrolled and set as `switchboard agent enrol` and `agent set` do. */
async function newAgent(fields: { capacity: number; status?: 'available' | 'away' }) {
  const agent = await enrolSlackAgent(pool.models, {
    slackUserId: `U${randomBytes(5).toString('hex').toUpperCase()}`,
    displayName: 'Grace',
    by: 'test-admin',
  });
  await updateAgentSettings(
    pool.models,
    { id: String(agent._id) },
    { capacity: fields.capacity, status: fields.status ?? 'available' },
    'test-admin',
  );
  return agent._id;
}

async function loadOf(agentId: Types.ObjectId) {
  const agent = await pool.models.Agent.findById(agentId).lean();
  return { count: agent?.activeTickets, held: agent?.activeTicketIds.map(String) ?? [] };
}

describe('agent load', () => {
  it('never puts an agent over capacity when many reservations race', async () => {
    const agentId = await newAgent({ capacity: 3 });
    const tickets = Array.from({ length: 12 }, () => new Types.ObjectId());
    const outcomes = await Promise.all(tickets.map((t) => pool.reserveAgentSlot(agentId, t)));
    expect(outcomes.filter((o) => o === 'reserved')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'at-capacity')).toHaveLength(9);
    const load = await loadOf(agentId);
    expect(load.count).toBe(3);
    expect(load.held).toHaveLength(3);
  });

  it('counts a ticket once however often it is reserved, and frees it once', async () => {
    const agentId = await newAgent({ capacity: 5 });
    const ticket = new Types.ObjectId();
    const outcomes = await Promise.all([1, 2, 3].map(() => pool.reserveAgentSlot(agentId, ticket)));
    expect(outcomes.sort()).toEqual(['already-held', 'already-held', 'reserved']);
    expect((await loadOf(agentId)).count).toBe(1);
    expect(await pool.releaseAgentSlot(agentId, ticket)).toBe(true);
    expect(await pool.releaseAgentSlot(agentId, ticket)).toBe(false);
    expect(await loadOf(agentId)).toEqual({ count: 0, held: [] });
  });

  it('refuses away agents when availability is required, and allows a supervisor override', async () => {
    const agentId = await newAgent({ capacity: 1, status: 'away' });
    expect(
      await pool.reserveAgentSlot(agentId, new Types.ObjectId(), { requireAvailable: true }),
    ).toBe('unavailable');
    expect(await pool.reserveAgentSlot(agentId, new Types.ObjectId())).toBe('reserved');
    expect(await pool.reserveAgentSlot(agentId, new Types.ObjectId())).toBe('at-capacity');
    expect(await pool.reserveAgentSlot(agentId, new Types.ObjectId(), { overCapacity: true })).toBe(
      'reserved',
    );
    expect((await loadOf(agentId)).count).toBe(2);
  });

  it('says when the agent does not exist', async () => {
    expect(await pool.reserveAgentSlot(new Types.ObjectId(), new Types.ObjectId())).toBe(
      'no-agent',
    );
  });
});
