/**
 * Issue 19 item 4, files out: with PUBLIC_URL set (links Twilio can fetch), an agent's file goes
 * to an SMS customer as MMS media: the Twilio stand-in sees the real SDK's `MediaUrl`, a signed
 * link that serves the file's bytes, and no link in the text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES_AS_LINKS_NOTE, FILES_BEYOND_LIMITS_NOTE } from '../../../src/pipeline/outbound.ts';
import { DeskHarness } from '../../desk/harness.ts';
import {
  fetchFileLink,
  newAgentAnswersWithFile,
  replyWithFiles,
  uploadForReply,
} from '../../support/file-link.ts';
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

/** The ticket the customer's first text opened (read as the console shows it). */
async function ticketOf(phone: string): Promise<string> {
  return waitFor(async () => {
    const link = await h.gateway.pool.models.ContactIdentity.findById(`phone:${phone}`).lean();
    const ticket = link
      ? await h.gateway.pool.models.Ticket.findOne({ contactId: link.contactId }).lean()
      : null;
    return ticket ? String(ticket._id) : undefined;
  });
}

describe('an agent answers by SMS with a file', () => {
  it('sends a file MMS cannot carry as a link and says why, the others as media', async () => {
    const phone = '+14155550134';
    expect(await customerTexts(h.http, TEST_SMS, phone, 'Send the label and the notes?')).toBe(200);
    const ticketId = await ticketOf(phone);
    const agent = await h.consoleAgent('kim', 'Kim');
    // Plain text is a type we store but Twilio does not take as MMS media.
    const notes = { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('Gate code 4711\n') };
    const ids: string[] = [];
    for (const file of [LABEL, notes]) {
      const up = await uploadForReply(agent, ticketId, file);
      expect(up.status).toBe(201);
      ids.push(String(up.body.file.id));
    }
    expect((await replyWithFiles(agent, ticketId, 'Label and notes attached.', ids)).status).toBe(
      202,
    );

    const mms = await waitFor(() =>
      fake.to(phone).find((r) => r.form['Body']?.includes('Label and notes')),
    );
    const body = mms.form['Body'] ?? '';
    expect(body).toContain(FILES_BEYOND_LIMITS_NOTE);
    expect(body).not.toContain(FILES_AS_LINKS_NOTE);
    const link = /- notes\.txt: (\S+)/.exec(body)?.[1] ?? '';
    expect(link.startsWith(`${PUBLIC_URL}/files/`)).toBe(true);
    const text = await fetchFileLink(h.http, link, PUBLIC_URL);
    expect(text.body.toString()).toBe('Gate code 4711\n');
    // The PNG alone went as media.
    const media = mms.form['MediaUrl'] ?? '';
    expect(media.startsWith(`${PUBLIC_URL}/files/`)).toBe(true);
    expect(body).not.toContain('label.png');
    expect(Buffer.compare((await fetchFileLink(h.http, media, PUBLIC_URL)).body, PNG)).toBe(0);
  });

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
