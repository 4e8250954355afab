/**
 * Issue 19 item 4, files out: with PUBLIC_URL set (links Twilio can fetch), an agent's file goes
 * to an SMS customer as MMS media: the Twilio stand-in sees the real SDK's `MediaUrl`, a signed
 * link that serves the file's bytes, and no link in the text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES_AS_LINKS_NOTE } from '../../../src/pipeline/outbound.ts';
import { DeskHarness } from '../../desk/harness.ts';
import { fetchFileLink, newAgentAnswersWithFile } from '../../support/file-link.ts';
import { waitFor } from '../../support/gateway.ts';
import { customerTexts, smsEnv, TEST_SMS } from '../../support/twilio-webhook.ts';
import { FakeTwilio } from './fake-twilio.ts';

const PHONE = '+14155550133';
const PUBLIC_URL = 'https://support.example.test';
/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const LABEL = { name: 'label.png', type: 'image/png', bytes: PNG };

let h: DeskHarness;
let fake: FakeTwilio;

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  h = await DeskHarness.start({ env: smsEnv(TEST_SMS, fake.url), config: { PUBLIC_URL } });
});

afterAll(async () => {
  await h.stop();
  await fake.stop();
});

describe('an agent answers by SMS with a file', () => {
  it('sends it as MMS media whose signed link serves the bytes', async () => {
    expect(h.gateway.adapters.get('sms')?.capabilities.attachments.outbound).toBe(true);
    expect(await customerTexts(h.http, TEST_SMS, PHONE, 'Can you send the label?')).toBe(200);
    const ticketId = await waitFor(async () => {
      const link = await h.gateway.pool.models.ContactIdentity.findById(`phone:${PHONE}`).lean();
      const ticket = link
        ? await h.gateway.pool.models.Ticket.findOne({ contactId: link.contactId }).lean()
        : null;
      return ticket ? String(ticket._id) : undefined;
    });
    await newAgentAnswersWithFile(h, 'sam', ticketId, 'Here is your return label.', LABEL);

    const mms = await waitFor(() =>
      fake.to(PHONE).find((r) => r.form['Body']?.includes('return label')),
    );
    expect(mms.form['Body']).not.toContain(FILES_AS_LINKS_NOTE);
    const media = mms.form['MediaUrl'] ?? '';
    expect(media.startsWith(`${PUBLIC_URL}/files/`)).toBe(true);
    const download = await fetchFileLink(h.http, media, PUBLIC_URL);
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body, PNG)).toBe(0);
  });
});
