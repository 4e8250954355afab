import { describe, expect, it } from 'vitest';
import { sendSlack } from '../../../channels/slack/send.ts';
import { isSwitchboardError } from '../../../src/domain/errors.ts';
import { slackOutbound as outbound, useFakeSlackClient } from './web-client.ts';

const fake = useFakeSlackClient();

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
    const result = await sendSlack({ client: fake.client, maxRetryAfterSeconds: 30 }, outbound());
    const call = fake.slack.callsOf('chat.postMessage').at(-1);
    expect(call?.args).toMatchObject({
      channel: 'D0CUST01',
      thread_ts: '1700010000.000100',
      text: 'Hello',
    });
    expect(result.providerMessageId).toMatch(/^D0CUST01:\d+\.\d+$/);
  });

  describe('when Slack answers 429 with Retry-After', () => {
    it('sends again only once Retry-After has passed', async () => {
      fake.slack.rateLimitOnce('chat.postMessage', 1);
      await sendSlack(
        { client: fake.client, maxRetryAfterSeconds: 30 },
        outbound({ text: 'after the limit' }),
      );
      const limitedAt = fake.slack.limitedAt.at(-1)!;
      const sent = fake.slack
        .callsOf('chat.postMessage')
        .find((c) => c.args['text'] === 'after the limit');
      expect(sent).toBeDefined();
      expect(sent!.at - limitedAt).toBeGreaterThanOrEqual(1000);
    });

    it('fails the attempt (retryable) when Slack asks for longer than allowed', async () => {
      fake.slack.rateLimitOnce('chat.postMessage', 120);
      const error = await failure(
        sendSlack(
          { client: fake.client, maxRetryAfterSeconds: 30 },
          outbound({ text: 'too long a wait' }),
        ),
      );
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_DELIVERY_FAILED');
      expect(isSwitchboardError(error) && error.retryable).toBe(true);
      expect(
        fake.slack.callsOf('chat.postMessage').some((c) => c.args['text'] === 'too long a wait'),
      ).toBe(false);
    });
  });

  describe('when the conversation is gone', () => {
    it('is rejected for good (not retried)', async () => {
      fake.slack.failingChannels.set('D0GONE01', 'channel_not_found');
      const error = await failure(
        sendSlack(
          { client: fake.client, maxRetryAfterSeconds: 30 },
          outbound({ threadKey: 'D0GONE01:1700010000.000100' }),
        ),
      );
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_DELIVERY_REJECTED');
      expect(String((error as Error).message)).toContain('channel_not_found');
    });

    it('refuses an address that is not a Slack user', async () => {
      const error = await failure(
        sendSlack(
          { client: fake.client, maxRetryAfterSeconds: 30 },
          outbound({ to: { kind: 'email', value: 'a@example.com' } }),
        ),
      );
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_DELIVERY_REJECTED');
    });
  });
});
