import { describe, expect, it } from 'vitest';
import { ACTIONS, cardBlocks, escapeMrkdwn, type CardView } from '../../src/desk/blocks.ts';

const VIEW: CardView = {
  ticketId: '665f1c0e8b3e4a0012345678',
  number: 42,
  status: 'queued',
  customerName: 'Ada <script>',
  channel: 'email',
  reason: 'asked for a person',
  intent: 'refund.status',
  language: 'en',
  urgency: 7,
  urgencyParts: [],
  sla: {
    state: undefined,
    firstResponseDueAt: undefined,
    nextResponseDueAt: undefined,
    resolutionDueAt: undefined,
  },
  supervisorEscalatedAt: undefined,
  lastMessages: ['first', 'a <b> & c'],
  queuedAt: new Date('2026-01-01T10:00:00Z'),
  assigneeName: undefined,
  now: new Date('2026-01-01T10:12:00Z'),
};

const buttons = (view: CardView) =>
  cardBlocks(view)
    .flatMap((b) => (b.type === 'actions' ? b.elements : []))
    .map((e) => ('action_id' in e ? e.action_id : undefined));

describe('desk card blocks', () => {
  it('shows the facts agents decide on, escaping what customers wrote', () => {
    const json = JSON.stringify(cardBlocks(VIEW));
    expect(json).toContain('refund.status');
    expect(json).toContain('asked for a person');
    expect(json).toContain('12 min');
    expect(json).toContain('a &lt;b&gt; &amp; c');
    expect(escapeMrkdwn('<@U1> & <!here>')).toBe('&lt;@U1&gt; &amp; &lt;!here&gt;');
  });

  describe('when the ticket moves on', () => {
    it('offers Take while queued, Release while assigned, Resolve and Escalate while open, nothing once resolved', () => {
      expect(buttons(VIEW)).toEqual([ACTIONS.take, ACTIONS.resolve, ACTIONS.escalate]);
      expect(buttons({ ...VIEW, status: 'assigned', assigneeName: 'Bob' })).toEqual([
        ACTIONS.release,
        ACTIONS.resolve,
        ACTIONS.escalate,
      ]);
      expect(buttons({ ...VIEW, supervisorEscalatedAt: new Date() })).toEqual([
        ACTIONS.take,
        ACTIONS.resolve,
      ]);
      expect(buttons({ ...VIEW, status: 'resolved' })).toEqual([]);
      expect(
        JSON.stringify(cardBlocks({ ...VIEW, status: 'assigned', assigneeName: 'Bob' })),
      ).toContain('Taken by Bob');
    });
  });
});
