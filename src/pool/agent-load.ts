import type { Types } from 'mongoose';
import type { DocumentLocks } from './locks.ts';
import type { AgentDoc, PoolModels } from './models.ts';

/** Why a slot was or was not reserved. */
export type SlotOutcome = 'reserved' | 'already-held' | 'at-capacity' | 'unavailable' | 'no-agent';

export interface ReserveOptions {
  /** Refuse agents whose status is not `available` (the dispatcher); a Take click does not. */
  requireAvailable?: boolean;
  /** Take the slot even when the agent is at capacity (a supervisor's override). */
  overCapacity?: boolean;
}

function lockKey(agentId: Types.ObjectId | string): string {
  return `agent.${String(agentId)}`;
}

/**
 * Counts a ticket against an agent's capacity. The agent document keeps the ids of the tickets it
 * holds, so reserving twice for the same ticket (a retried job, a double click) counts once, and
 * `activeTickets` is always that list's length.
 *
 * The read-check-write runs under the agent's lock: FerretDB 1.x does not apply a conditional
 * `$inc` atomically (locks.ts), and "never over capacity" must hold with two dispatchers at once.
 */
export async function reserveAgentSlot(
  models: PoolModels,
  locks: DocumentLocks,
  agentId: Types.ObjectId | string,
  ticketId: Types.ObjectId | string,
  options: ReserveOptions = {},
): Promise<SlotOutcome> {
  return locks.withLock(lockKey(agentId), async () => {
    const agent = (await models.Agent.findById(agentId).lean()) as AgentDoc | null;
    if (!agent) return 'no-agent';
    // Agents created by an upsert (or before this field) have no list stored on FerretDB.
    const current = agent.activeTicketIds ?? [];
    const held = current.map(String);
    if (held.includes(String(ticketId))) return 'already-held';
    if (options.requireAvailable && agent.status !== 'available') return 'unavailable';
    if (!options.overCapacity && held.length >= agent.capacity) return 'at-capacity';
    const next = [...current, ticketId];
    await models.Agent.updateOne(
      { _id: agent._id },
      { $set: { activeTicketIds: next, activeTickets: next.length } },
    );
    return 'reserved';
  });
}

/** Frees the agent's slot for this ticket (released, resolved, reassigned); a repeat is a no-op. */
export async function releaseAgentSlot(
  models: PoolModels,
  locks: DocumentLocks,
  agentId: Types.ObjectId | string,
  ticketId: Types.ObjectId | string,
): Promise<boolean> {
  return locks.withLock(lockKey(agentId), async () => {
    const agent = (await models.Agent.findById(agentId).lean()) as AgentDoc | null;
    if (!agent) return false;
    const current = agent.activeTicketIds ?? [];
    const next = current.filter((id) => String(id) !== String(ticketId));
    if (next.length === current.length) return false;
    // $set of the filtered list rather than $pull, which FerretDB 1.x implements only in part.
    await models.Agent.updateOne(
      { _id: agent._id },
      { $set: { activeTicketIds: next, activeTickets: next.length } },
    );
    return true;
  });
}
