import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSlack } from '../../../channels/slack/send.ts';
import type { OutboundMessage } from '../../../src/domain/message.ts';
import { isSwitchboardError } from '../../../src/domain/errors.ts';
import { FakeSlack } from '../../desk/fake-slack.ts';

let slack: FakeSlack;
let client: webApi.WebClient;

beforeAll(async () => {
  slack = await new FakeSlack().start();
  client = new webApi.WebClient('xoxb-test-token', {
    slackApiUrl: slack.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
});

afterAll(async () => {
  await slack.stop();
});

function outbound(fields: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: 'sb.reply.1',
    ticketId: '665f1c0e8b3e4a0012345678',
    channel: 'slack',
    threadKey: 'D0CUST01:1700010000.000100',
    to: { kind: 'slack', value: 'T0001/U0CUST01' },
    author: { kind: 'bot', name: 'Switchboard' },
    text: 'Hello',
    channelData: {},
    ...fields,
  };
}

async function failure(work: Promise<unknown>) {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('sendSlack', () => {
  it('posts in the thread named by the thread key, and returns channel:ts', async () => {
    const result = await sendSlack({ client, maxRetryAfterSeconds: 30 }, outbound());
    const call = slack.callsOf('chat.postMessage').at(-1);
    expect(call?.args).toMatchObject({
      channel: 'D0CUST01',
      thread_ts: '1700010000.000100',
      text: 'Hello',
    });
    expect(result.providerMessageId).toMatch(/^D0CUST01:\d+\.\d+$/);
  });

  describe('when Slack answers 429 with Retry-After', () => {
    it('sends again only once Retry-After has passed', async () => {
      slack.rateLimitOnce('chat.postMessage', 1);
      await sendSlack({ client, maxRetryAfterSeconds: 30 }, outbound({ text: 'after the limit' }));
      const limitedAt = slack.limitedAt.at(-1)!;
      const sent = slack
        .callsOf('chat.postMessage')
        .find((c) => c.args['text'] === 'after the limit');
      expect(sent).toBeDefined();
      expect(sent!.at - limitedAt).toBeGreaterThanOrEqual(1000);
    });

    it('fails the attempt (retryable) when Slack asks for longer than allowed', async () => {
      slack.rateLimitOnce('chat.postMessage', 120);
      const error = await failure(
        sendSlack({ client, maxRetryAfterSeconds: 30 }, outbound({ text: 'too long a wait' })),
      );
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_DELIVERY_FAILED');
      expect(isSwitchboardError(error) && error.retryable).toBe(true);
      expect(
        slack.callsOf('chat.postMessage').some((c) => c.args['text'] === 'too long a wait'),
      ).toBe(false);
    });
  });

  describe('when the conversation is gone', () => {
    it('is rejected for good (not retried)', async () => {
      slack.failingChannels.set('D0GONE01', 'channel_not_found');
      const error = await failure(
        sendSlack(
          { client, maxRetryAfterSeconds: 30 },
          outbound({ threadKey: 'D0GONE01:1700010000.000100' }),
        ),
      );
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_DELIVERY_REJECTED');
      expect(String((error as Error).message)).toContain('channel_not_found');
    });

    it('refuses an address that is not a Slack user', async () => {
      const error = await failure(
        sendSlack(
          { client, maxRetryAfterSeconds: 30 },
          outbound({ to: { kind: 'email', value: 'a@example.com' } }),
        ),
      );
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_DELIVERY_REJECTED');
    });
  });
});
