/**
 * Customer names go into the top-level `text` of cards and notices, which Slack reads as mrkdwn:
 * `<!channel>` would ping everyone and `<https://evil|Your bank>` would disguise a link.
 */
import { describe, expect, it } from 'vitest';
import { cardText, type CardView } from '../../src/desk/blocks.ts';
import { lapsedOfferMessage, offerMessage, supervisorAlert } from '../../src/desk/notice-blocks.ts';

const HOSTILE = '<!channel> <https://evil.example|Your bank> & co';
const view: CardView = {
  ticketId: '665f1c0e8b3e4a0012345678',
  number: 42,
  status: 'queued',
  customerName: HOSTILE,
  channel: 'email',
  reason: 'asked for a person',
  intent: undefined,
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
  lastMessages: ['hello'],
  queuedAt: new Date('2026-01-01T10:00:00Z'),
  assigneeName: undefined,
  now: new Date('2026-01-01T10:12:00Z'),
};

describe('Slack text built from customer data', () => {
  it('escapes the name in every top-level text and mrkdwn block', () => {
    const texts = [
      cardText(view),
      supervisorAlert(view, 'SLA breach <!here>').text,
      offerMessage(view, new Date(Date.now() + 60_000)).text,
      lapsedOfferMessage(view).text,
      JSON.stringify(lapsedOfferMessage(view).blocks),
    ];
    for (const text of texts) {
      expect(text).not.toMatch(/<!channel>|<!here>|<https:\/\/evil/);
      expect(text).toContain('&lt;!channel&gt;');
    }
    // Escaped once, not twice: `&amp;lt;` would show as `&lt;` in Slack.
    expect(JSON.stringify(lapsedOfferMessage(view).blocks)).not.toContain('&amp;lt;');
  });
});
