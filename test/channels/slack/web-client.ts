import { webApi } from '@slack/bolt';
import { afterAll, beforeAll } from 'vitest';
import type { OutboundMessage } from '../../../src/domain/message.ts';
import { FakeSlack } from '../../desk/fake-slack.ts';

/**
 * The real Web API client pointed at the Slack stand-in for this test file, without the client's
 * own retries (each test decides what a failure does). Starts and stops with the file.
 */
export function useFakeSlackClient(): {
  readonly slack: FakeSlack;
  readonly client: webApi.WebClient;
} {
  let slack: FakeSlack | undefined;
  let client: webApi.WebClient | undefined;
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    client = new webApi.WebClient('xoxb-test-token', {
      slackApiUrl: slack.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
  });
  afterAll(async () => {
    await slack?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the Slack stand-in is not started yet');
    return value;
  };
  return {
    get slack() {
      return started(slack);
    },
    get client() {
      return started(client);
    },
  };
}

/** An answer to a Slack customer's DM thread, as the pipeline hands it to the adapter. */
export function slackOutbound(fields: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: 'sb.reply.slack.1',
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
