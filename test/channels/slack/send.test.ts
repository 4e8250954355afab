import { randomBytes } from 'node:crypto';
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

  describe('when the answer carries files', () => {
    const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3000)]);
    const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(500)]);
    const stored = new Map([
      ['upload.t1.a', PDF],
      ['upload.t1.b', PNG],
    ]);
    const files = { read: (id: string) => Promise.resolve(stored.get(id)) };
    const attachment = (fileId: string, name: string, contentType: string, size: number) => ({
      fileId,
      name,
      contentType,
      size,
      url: `https://support.example.test/files/${fileId}?exp=1&sig=x`,
    });

    it('uploads them into the thread with files.uploadV2, byte for byte, before the text', async () => {
      await sendSlack(
        { client: fake.client, files, maxRetryAfterSeconds: 30 },
        outbound({
          text: 'Here is your invoice',
          attachments: [
            attachment('upload.t1.a', 'invoice.pdf', 'application/pdf', PDF.length),
            attachment('upload.t1.b', 'screen.png', 'image/png', PNG.length),
          ],
        }),
      );
      const asked = fake.slack.callsOf('files.getUploadURLExternal').slice(-2);
      expect(asked.map((c) => [c.args['filename'], c.args['length']])).toEqual([
        ['invoice.pdf', String(PDF.length)],
        ['screen.png', String(PNG.length)],
      ]);
      const complete = fake.slack.callsOf('files.completeUploadExternal').at(-1)!;
      expect(complete.args).toMatchObject({
        channel_id: 'D0CUST01',
        thread_ts: '1700010000.000100',
      });
      const shared = complete.args['files'] as Array<{ id: string; title: string }>;
      expect(shared.map((f) => f.title)).toEqual(['invoice.pdf', 'screen.png']);
      expect(fake.slack.uploads.get(shared[0]!.id)?.bytes?.equals(PDF)).toBe(true);
      expect(fake.slack.uploads.get(shared[1]!.id)?.bytes?.equals(PNG)).toBe(true);
      // The text (with the metadata delivery checks look for) comes after its files.
      const text = fake.slack
        .callsOf('chat.postMessage')
        .find((c) => c.args['text'] === 'Here is your invoice')!;
      expect(text.at).toBeGreaterThanOrEqual(complete.at);
    });

    it('is rejected for good, sending nothing, when a file is no longer kept', async () => {
      const before = fake.slack.calls.length;
      const error = await failure(
        sendSlack(
          { client: fake.client, files, maxRetryAfterSeconds: 30 },
          outbound({
            text: 'The erased file',
            attachments: [attachment('upload.t1.gone', 'gone.pdf', 'application/pdf', 10)],
          }),
        ),
      );
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_DELIVERY_REJECTED');
      expect(fake.slack.calls.length).toBe(before);
    });

    it('fails the attempt (retryable), without the text, when Slack refuses the upload', async () => {
      fake.slack.rateLimitOnce('files.getUploadURLExternal', 120);
      const error = await failure(
        sendSlack(
          { client: fake.client, files, maxRetryAfterSeconds: 30 },
          outbound({
            text: 'Not without its file',
            attachments: [attachment('upload.t1.a', 'invoice.pdf', 'application/pdf', PDF.length)],
          }),
        ),
      );
      expect(isSwitchboardError(error) && error.retryable).toBe(true);
      expect(
        fake.slack
          .callsOf('chat.postMessage')
          .some((c) => c.args['text'] === 'Not without its file'),
      ).toBe(false);
    });
  });
});
