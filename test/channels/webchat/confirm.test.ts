import { describe, expect, it } from 'vitest';
import { answerActivityId } from '../../../channels/webchat/directline.ts';
import { LOCAL_SERVICE_URL } from '../../../channels/webchat/normalize.ts';
import { confirmWebchat } from '../../../channels/webchat/send.ts';
import type { OutboundMessage } from '../../../src/domain/message.ts';

function outbound(channelData: Record<string, unknown> = {}): OutboundMessage {
  return {
    messageId: 'sb.reply.webchat.1',
    ticketId: '665f1c0e8b3e4a0012345678',
    channel: 'webchat',
    threadKey: 'conv-1',
    to: { kind: 'webchat', value: 'visitor-1' },
    author: { kind: 'bot', name: 'Switchboard' },
    text: 'Hello',
    channelData,
  };
}

/** A history holding the given activity ids of conversation conv-1. */
function history(ids: string[]) {
  return {
    has: (conversationId: string, activityId: string) =>
      Promise.resolve(conversationId === 'conv-1' && ids.includes(activityId) ? '1-0' : undefined),
  };
}

describe('web chat delivery confirmation', () => {
  describe('on our own Direct Line', () => {
    it('answers the activity id when the history holds the answer', async () => {
      const id = answerActivityId('conv-1', 'sb.reply.webchat.1');
      expect(await confirmWebchat(history([id]), outbound())).toEqual({ providerMessageId: id });
    });

    it('answers undefined when it does not', async () => {
      expect(await confirmWebchat(history([]), outbound())).toBeUndefined();
    });
  });

  describe('on Azure Bot Service (the Bot Connector)', () => {
    it("answers 'unknown'", async () => {
      const reference = {
        serviceUrl: 'https://smba.trafficmanager.net/emea/',
        conversation: { id: 'a:teams-conv' },
      };
      expect(await confirmWebchat(history([]), outbound({ reference }))).toBe('unknown');
      expect(LOCAL_SERVICE_URL).not.toBe(reference.serviceUrl);
    });
  });
});
