import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { METADATA_EVENT_TYPE, confirmSlack, sendSlack } from '../../../channels/slack/send.ts';
import { slackOutbound as outbound, useFakeSlackClient } from './web-client.ts';

const fake = useFakeSlackClient();

/** A client whose conversations.replies answers with `answer` (or throws it), recording calls. */
function repliesClient(answer: unknown, calls: Record<string, unknown>[] = []) {
  return {
    client: {
      conversations: {
        replies: (args: Record<string, unknown>) => {
          calls.push(args);
          return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
        },
      },
    } as unknown as webApi.WebClient,
    calls,
  };
}

describe('slack delivery confirmation', () => {
  it('posts our message id as message metadata', async () => {
    await sendSlack({ client: fake.client, maxRetryAfterSeconds: 30 }, outbound());
    const call = fake.slack.callsOf('chat.postMessage').at(-1);
    expect(call?.args['metadata']).toEqual({
      event_type: METADATA_EVENT_TYPE,
      event_payload: { message_id: 'sb.reply.slack.1' },
    });
  });

  describe('when the thread holds a reply carrying the message id', () => {
    it('answers its channel:ts, reading the thread since the attempt with metadata', async () => {
      const since = new Date('2026-01-01T10:00:00Z');
      const { client: stub, calls } = repliesClient({
        ok: true,
        messages: [
          { ts: '1700010000.000100', text: 'the customer' },
          {
            ts: '1767261601.000200',
            metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { message_id: 'other' } },
          },
          {
            ts: '1767261602.000300',
            metadata: {
              event_type: METADATA_EVENT_TYPE,
              event_payload: { message_id: 'sb.reply.slack.1' },
            },
          },
        ],
      });
      expect(await confirmSlack({ client: stub }, outbound(), since)).toEqual({
        providerMessageId: 'D0CUST01:1767261602.000300',
      });
      expect(calls[0]).toMatchObject({
        channel: 'D0CUST01',
        ts: '1700010000.000100',
        include_all_metadata: true,
        oldest: `${since.getTime() / 1000 - 30}.000000`,
      });
    });
  });

  describe('when no reply carries it', () => {
    it('answers undefined (not sent)', async () => {
      const { client: stub } = repliesClient({ ok: true, messages: [{ ts: '1.0' }] });
      expect(await confirmSlack({ client: stub }, outbound(), new Date())).toBeUndefined();
    });
  });

  describe('when Slack refuses the read', () => {
    it("answers 'unknown' on a platform error (e.g. a missing scope)", async () => {
      const error = Object.assign(new Error('An API error occurred: missing_scope'), {
        code: webApi.ErrorCode.PlatformError,
        data: { ok: false, error: 'missing_scope' },
      });
      const { client: stub } = repliesClient(error);
      expect(await confirmSlack({ client: stub }, outbound(), new Date())).toBe('unknown');
    });

    it('throws a retryable error when Slack cannot be reached or rate limits', async () => {
      const error = Object.assign(new Error('A rate limit was exceeded'), {
        code: webApi.ErrorCode.RateLimitedError,
        retryAfter: 60,
      });
      const { client: stub } = repliesClient(error);
      await expect(confirmSlack({ client: stub }, outbound(), new Date())).rejects.toMatchObject({
        code: 'SB_ERR_DELIVERY_FAILED',
        retryable: true,
      });
    });
  });
});
