/**
 * Store operations per message path (issue 21), counted one message at a time after the
 * throughput run, so each count is that path's alone: a new conversation the bot answers, a
 * message on an existing conversation, an escalation, a customer message on a ticket waiting for
 * a person, and an agent's reply. Background work (dispatch's ticks) may add a little; it is
 * counted too, as a customer would pay for it.
 */
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import type { Gateway } from '../src/app.ts';
import type { StoreOpCounter, StoreOpCounts } from './store-ops.ts';

export interface PathDeps {
  gateway: Gateway;
  ops: StoreOpCounter;
  port: number;
  apiKey: string;
  operatorToken: string;
  samples: number;
  /** The text that makes the bench's responder hand over. */
  escalate: string;
  /** Print each path's commands, for its first sample, to stderr. */
  trace: boolean;
  waitForCallback(conversationId: string): Promise<void>;
}

/** Until the queues have nothing waiting or running (polled in Redis, not in the store). */
async function idle(queues: Queue[]): Promise<void> {
  for (;;) {
    const counts = await Promise.all(
      queues.map((q) => q.getJobCounts('active', 'waiting', 'prioritized')),
    );
    if (
      counts.every((c) => (c['active'] ?? 0) + (c['waiting'] ?? 0) + (c['prioritized'] ?? 0) === 0)
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function measurePaths(deps: PathDeps): Promise<Record<string, StoreOpCounts>> {
  const { gateway, ops, samples } = deps;
  const queues = [gateway.queues.inbound, gateway.queues.outbound];
  const post = async (conversationId: string, messageId: string, text: string) => {
    const res = await fetch(`http://127.0.0.1:${deps.port}/api/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deps.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messageId, conversationId, from: { id: conversationId }, text }),
    });
    await res.body?.cancel();
    if (res.status !== 202) throw new Error(`${messageId} refused: HTTP ${res.status}`);
  };
  /** Runs `one` for each sample, one at a time, and counts the store operations per sample. */
  const measure = async (
    path: string,
    run: (i: number) => Promise<void>,
  ): Promise<StoreOpCounts> => {
    await idle(queues);
    const before = ops.snapshot();
    for (let i = 0; i < samples; i += 1) {
      if (deps.trace && i === 0) ops.trace = [];
      await run(i);
      if (ops.trace) process.stderr.write(`${path}:\n  ${ops.trace.join('\n  ')}\n`);
      ops.trace = undefined;
    }
    return ops.since(before, samples);
  };
  const answered = async (conversationId: string, messageId: string, text: string) => {
    const delivered = deps.waitForCallback(conversationId);
    await post(conversationId, messageId, text);
    await delivered;
    await idle(queues);
  };
  const handled = async (conversationId: string, messageId: string, text: string) => {
    await post(conversationId, messageId, text);
    await idle(queues);
  };

  const botAnswer = await measure('botAnswer', (i) =>
    answered(`path-bot-${i}`, `path-bot-${i}-1`, 'Hello?'),
  );
  const existingConversation = await measure('existingConversation', (i) =>
    answered(`path-bot-${i}`, `path-bot-${i}-2`, 'And another thing?'),
  );
  const escalation = await measure('escalation', (i) =>
    handled(`path-esc-${i}`, `path-esc-${i}-1`, `${deps.escalate}, my parcel is lost`),
  );
  const waitingForAgent = await measure('waitingForAgent', (i) =>
    handled(`path-esc-${i}`, `path-esc-${i}-2`, 'Anyone there?'),
  );
  // The tickets to answer are looked up before the count starts.
  const tickets = await Promise.all(
    Array.from({ length: samples }, async (_, i) => {
      const ticket = await gateway.pool.models.Ticket.findOne({
        threadKey: { $regex: `path-esc-${i}$` },
      }).lean();
      if (!ticket) throw new Error(`no ticket for path-esc-${i}`);
      return String(ticket._id);
    }),
  );
  const agentReply = await measure('agentReply', async (i) => {
    const delivered = deps.waitForCallback(`path-esc-${i}`);
    const res = await fetch(`http://127.0.0.1:${deps.port}/api/v1/tickets/${tickets[i]}/replies`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${deps.operatorToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        replyId: `path-reply-${i}`,
        agent: { id: 'bench-agent', name: 'Bench Agent' },
        text: 'A person answers.',
      }),
    });
    await res.body?.cancel();
    if (res.status !== 202) throw new Error(`reply ${i} refused: HTTP ${res.status}`);
    await delivered;
    await idle(queues);
  });
  return { botAnswer, existingConversation, escalation, waitingForAgent, agentReply };
}

/**
 * The store's own rate for a plain single-document upsert by `_id`, at `concurrency` writers:
 * what the pipeline's operations are measured against (`storeEfficiency`).
 */
export async function measureStoreUpserts(
  db: Connection,
  total: number,
  concurrency: number,
): Promise<number> {
  const collection = db.collection<{ _id: string; n: number }>('bench_store_rate');
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await collection.updateOne({ _id: `doc-${i}` }, { $set: { n: i } }, { upsert: true });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await collection.drop();
  return total / seconds;
}
