import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Responder } from '../../src/domain/ports.ts';
import { dispatchListener } from '../../src/dispatch/listener.ts';
import { ingestInbound, type IngestDeps } from '../../src/pipeline/ingest.ts';
import type { OutboundJobData } from '../../src/pipeline/queues.ts';
import type { TicketDoc } from '../../src/pool/models.ts';
import { uniqueName } from '../support/gateway.ts';
import { dispatchFixture, RecordingNotifier, type DispatchFixture } from './support.ts';

let fx: DispatchFixture;
let outbound: Queue<OutboundJobData>;

beforeAll(async () => {
  fx = await dispatchFixture('sbhook');
  outbound = new Queue<OutboundJobData>(uniqueName('out'), {
    connection: fx.redis,
    prefix: fx.prefix,
  });
});

afterAll(async () => {
  await outbound.obliterate({ force: true });
  await outbound.close();
  await fx.close();
});

const escalating: Responder = {
  respond: () =>
    Promise.resolve({
      action: 'escalate',
      reason: 'out-of-scope',
      intent: 'failed-payment',
      language: 'en',
      sentiment: -0.5,
    }),
};

describe('ingest with dispatch hooks', () => {
  describe('when the bot escalates a message', () => {
    it('scores the ticket before the desk sees it, and rescores on the next message', async () => {
      const notifier = new RecordingNotifier();
      const dispatcher = fx.dispatcher({ notifier });
      const cards: TicketDoc[] = [];
      const deps: IngestDeps = {
        pool: fx.pool,
        responder: escalating,
        outbound,
        capabilitiesOf: () => ({
          threads: false,
          attachments: { inbound: false, outbound: false },
          maxTextLength: 1000,
          format: 'plain',
          canEdit: false,
        }),
        listeners: [
          dispatchListener(dispatcher),
          {
            name: 'desk',
            escalated: (ticket) => {
              cards.push(ticket);
              return Promise.resolve();
            },
          },
        ],
      };
      const threadKey = uniqueName('thread');
      const message = (text: string) => ({
        channel: 'webchat',
        channelMessageId: uniqueName('m'),
        threadKey,
        from: { identity: { kind: 'webchat', value: uniqueName('visitor') } },
        text,
        receivedAt: new Date(),
      });
      expect(await ingestInbound(message('My card payment failed at checkout'), deps)).toBe(
        'escalated',
      );
      expect(cards).toHaveLength(1);
      const card = cards[0] as TicketDoc;
      expect(card.urgencyParts.map((p) => p.reason)).toContain('intent failed-payment');
      expect(card).toMatchObject({ tier: 'urgent', priority: 'urgent', slaPolicy: 'urgent' });

      expect(
        await ingestInbound(
          message('Still nothing?! I want a refund now, this is unacceptable'),
          deps,
        ),
      ).toBe('waiting-for-agent');
      const rescored = await fx.pool.getTicket(card._id);
      expect(rescored?.urgencyParts.map((p) => p.reason)).toEqual(
        expect.arrayContaining(['refund demand', 'anger']),
      );
      expect(rescored?.urgency).toBeGreaterThan(card.urgency);
    });
  });

  describe('when the gateway has no desk', () => {
    it('still scores the escalated ticket and starts its SLA', async () => {
      const dispatcher = fx.dispatcher();
      const deps: IngestDeps = {
        pool: fx.pool,
        responder: escalating,
        outbound,
        capabilitiesOf: () => ({
          threads: false,
          attachments: { inbound: false, outbound: false },
          maxTextLength: 1000,
          format: 'plain',
          canEdit: false,
        }),
        listeners: [dispatchListener(dispatcher)],
      };
      const message = {
        channel: 'api',
        channelMessageId: uniqueName('m'),
        threadKey: uniqueName('thread'),
        from: { identity: { kind: 'api', value: `int/${uniqueName('u')}` } },
        text: 'My card payment failed at checkout',
        receivedAt: new Date(),
      };
      expect(await ingestInbound(message, deps)).toBe('escalated');
      const stored = await fx.pool.models.Ticket.findOne({ threadKey: message.threadKey }).lean();
      expect(stored).toMatchObject({ status: 'queued', tier: 'urgent', slaPolicy: 'urgent' });
      expect(stored?.urgencyParts.map((p) => p.reason)).toContain('intent failed-payment');
    });
  });
});
