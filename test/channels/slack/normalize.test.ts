import { describe, expect, it } from 'vitest';
import { markdownToMrkdwn, mrkdwnToPlain } from '../../../channels/slack/mrkdwn.ts';
import { normalizeSlackEvent } from '../../../channels/slack/normalize.ts';
import { InboundMessageSchema } from '../../../src/domain/message.ts';
import { fixture } from '../../desk/slack-requests.ts';

const receivedAt = new Date('2026-01-01T10:00:00Z');

describe('normalizeSlackEvent', () => {
  describe('over recorded payloads', () => {
    it('takes a direct message: event_id as id, channel:ts as thread, team/user as identity', () => {
      const outcome = normalizeSlackEvent(fixture('event-im-message.json'), {
        receivedAt,
        botUserId: 'UBOT0001',
      });
      expect(outcome.kind).toBe('message');
      if (outcome.kind !== 'message') return;
      const message = InboundMessageSchema.parse(outcome.message);
      expect(message).toMatchObject({
        channel: 'slack',
        channelMessageId: 'Ev0IM00000001',
        threadKey: 'D0CUST01:1700010000.000100',
        from: { identity: { kind: 'slack', value: 'T0001/U0CUST01' } },
        text: 'What are your opening hours?',
        channelData: { slackChannel: 'D0CUST01', slackThreadTs: '1700010000.000100' },
      });
    });

    it('takes a mention without our mention, decoding entities', () => {
      const outcome = normalizeSlackEvent(fixture('event-app-mention.json'), {
        receivedAt,
        botUserId: 'UBOT0001',
      });
      expect(outcome.kind === 'message' && outcome.message.text).toBe(
        'my invoice shows the wrong address & VAT number',
      );
      expect(outcome.kind === 'message' && outcome.message.threadKey).toBe(
        'C0PUBLIC:1700020000.000100',
      );
    });

    it('ignores bot posts, agent thread messages in channels and anything not an event', () => {
      for (const name of ['event-bot-message.json', 'event-thread-message.json']) {
        expect(normalizeSlackEvent(fixture(name), { receivedAt }).kind).toBe('ignored');
      }
      expect(normalizeSlackEvent({ type: 'url_verification' }, { receivedAt }).kind).toBe(
        'ignored',
      );
      const edited = fixture('event-im-message.json');
      (edited['event'] as Record<string, unknown>)['subtype'] = 'message_changed';
      expect(normalizeSlackEvent(edited, { receivedAt })).toEqual({
        kind: 'ignored',
        reason: 'not a person message',
      });
    });
  });
});

describe('Slack text', () => {
  it('turns markdown into mrkdwn, escaping what Slack needs escaped', () => {
    expect(markdownToMrkdwn('# Refunds\n**Bold** and *italic* and ~~gone~~')).toBe(
      '*Refunds*\n*Bold* and _italic_ and ~gone~',
    );
    expect(markdownToMrkdwn('- one\n- [two](https://x.example/?a=1&b=2) <3')).toBe(
      '• one\n• <https://x.example/?a=1&amp;b=2|two> &lt;3',
    );
    expect(markdownToMrkdwn('`a*b*c` and\n```\nx < y\n```')).toBe(
      '`a*b*c` and\n```\nx &lt; y\n```',
    );
  });

  it('reads mrkdwn as plain text', () => {
    expect(mrkdwnToPlain('see <https://x.example|the page> &amp; ask <@U0ADA001>')).toBe(
      'see the page (https://x.example) & ask @U0ADA001',
    );
  });
});
