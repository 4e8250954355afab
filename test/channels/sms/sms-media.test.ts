import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/app.ts';
import { EscalateAllResponder } from '../../../src/pipeline/escalate-all-responder.ts';
import type { SavedFile } from '../../../channels/files/saved.ts';
import type { FileView } from '../../../src/http/file-views.ts';
import type { MessageDoc } from '../../../src/pool/models.ts';
import { binaryBody } from '../../support/binary-body.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { FakeTwilio } from './fake-twilio.ts';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const PUBLIC_URL = 'https://support.example.test';
const INBOUND_URL = `${PUBLIC_URL}/channels/sms/twilio`;
const MAX_BYTES = 4096;

/** A small PDF with binary bytes in it, so "byte for byte" means something. */
const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
  randomBytes(600),
  Buffer.from('\n%%EOF\n'),
]);

let gateway: Gateway;
let fake: FakeTwilio;

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  gateway = await startTestGateway({
    config: testConfig({ ADMIN_TOKEN }),
    responder: new EscalateAllResponder(),
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: '+14155550100',
      SMS_PUBLIC_URL: PUBLIC_URL,
      SMS_MEDIA_MAX_BYTES: String(MAX_BYTES),
      TWILIO_API_BASE_URL: fake.url,
    },
  });
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.stop();
  await fake.stop();
});

let seq = 0;

/** Posts an MMS as Twilio does (signed) with these Media URLs and declared types. */
async function postMms(
  sid: string,
  from: string,
  media: Array<{ url: string; contentType: string }>,
): Promise<void> {
  const fixture = JSON.parse(
    readFileSync(new URL('../../fixtures/sms/inbound-mms.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  const form: Record<string, string> = {
    ...fixture,
    From: from,
    Body: 'Here is the invoice',
    MessageSid: sid,
    SmsSid: sid,
    SmsMessageSid: sid,
    NumMedia: String(media.length),
  };
  for (const key of Object.keys(form)) if (/^Media(Url|ContentType)\d$/.test(key)) delete form[key];
  media.forEach((medium, i) => {
    form[`MediaUrl${i}`] = medium.url;
    form[`MediaContentType${i}`] = medium.contentType;
  });
  const res = await request(gateway.http!)
    .post('/channels/sms/twilio')
    .type('form')
    .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(AUTH_TOKEN, INBOUND_URL, form))
    .send(form);
  expect(res.status).toBe(200);
}

/** An MMS whose media the stand-in serves (unless `url` points elsewhere): the stored message. */
async function mms(
  media: Array<{
    body: Buffer;
    contentType: string;
    declared?: string;
    url?: string;
    redirectTo?: string;
  }>,
  options: { from?: string } = {},
): Promise<MessageDoc> {
  seq += 1;
  const sid = `MM${randomBytes(16).toString('hex')}`;
  const urls = media.map((medium) => ({
    url:
      medium.url ??
      fake.serveMedia(
        `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}/Media/ME${randomBytes(16).toString('hex')}`,
        {
          body: medium.body,
          contentType: medium.contentType,
          auth: `${ACCOUNT_SID}:${AUTH_TOKEN}`,
          ...(medium.redirectTo === undefined ? {} : { redirectTo: medium.redirectTo }),
        },
      ),
    contentType: medium.declared ?? medium.contentType,
  }));
  await postMms(sid, options.from ?? `+1415555${String(2000 + seq)}`, urls);
  return waitFor(() => gateway.pool.getMessage(`sms.${sid}`), { what: `message ${sid}` });
}

const savedOf = (message: MessageDoc) =>
  (message.channelData as { attachments?: SavedFile[] }).attachments ?? [];

function download(id: string) {
  return request(gateway.http!)
    .get(`/api/v1/attachments/${encodeURIComponent(id)}`)
    .set('authorization', `Bearer ${ADMIN_TOKEN}`)
    .buffer(true)
    .parse(binaryBody);
}

describe('SMS channel: MMS media', () => {
  describe('when an MMS carries a PDF', () => {
    it('stores it byte for byte, fetched with Twilio Basic auth', async () => {
      const message = await mms([{ body: PDF, contentType: 'application/pdf' }]);
      expect(message.text).toBe('Here is the invoice');
      const [saved] = savedOf(message);
      expect(saved).toMatchObject({ contentType: 'application/pdf', size: PDF.length });
      expect(saved?.stored).toBe(true);
      expect(message.attachments[0]).toMatchObject({ size: PDF.length });
      expect(message.attachments[0]?.url).toBeUndefined();
      const res = await download(saved!.id);
      expect(res.status).toBe(200);
      expect((res.body as Buffer).equals(PDF)).toBe(true);
      // The Media URL saw our credentials, then redirected to the (presigned) CDN copy.
      const [media, cdn] = fake.mediaRequests.filter((r) =>
        r.path.includes(message.channelMessageId),
      );
      expect(media?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
      );
      expect(media?.status).toBe(307);
      expect(cdn?.status).toBe(200);
    });
  });

  describe('when an agent opens the ticket in the console', () => {
    it('lists the file with a signed link that downloads it, and refuses a tampered link', async () => {
      const message = await mms([{ body: PDF, contentType: 'application/pdf' }]);
      const http = request(gateway.http!);
      const view = await http
        .get(`/api/v1/admin/tickets/${String(message.ticketId)}`)
        .set('authorization', `Bearer ${ADMIN_TOKEN}`);
      expect(view.status).toBe(200);
      const inbound = (
        view.body as { transcript: Array<{ id: string; attachments: FileView[] }> }
      ).transcript.find((m) => m.id === String(message._id));
      const [file] = inbound?.attachments ?? [];
      expect(file).toMatchObject({ contentType: 'application/pdf', size: PDF.length });
      const link = new URL(file!.link!, 'http://gateway.invalid');
      const res = await http.get(`${link.pathname}${link.search}`).buffer(true).parse(binaryBody);
      expect(res.status).toBe(200);
      expect((res.body as Buffer).equals(PDF)).toBe(true);
      expect(res.headers['content-disposition']).toMatch(/^attachment;/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      link.searchParams.set('exp', String(Number(link.searchParams.get('exp')) + 86_400));
      expect((await http.get(`${link.pathname}${link.search}`)).status).toBe(403);
    });
  });

  describe('when the contact is erased while an MMS waits for its media', () => {
    it('removes the waiting message with the contact', async () => {
      seq += 1;
      const from = `+1415555${String(2000 + seq)}`;
      const first = await mms([{ body: PDF, contentType: 'application/pdf' }], { from });
      const sid = `MM${randomBytes(16).toString('hex')}`;
      const path = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}/Media/ME0`;
      const url = fake.serveMedia(path, {
        body: PDF,
        contentType: 'application/pdf',
        auth: `${ACCOUNT_SID}:${AUTH_TOKEN}`,
        status: 503,
      });
      await postMms(sid, from, [{ url, contentType: 'application/pdf' }]);
      await waitFor(() => fake.mediaRequests.some((r) => r.path === path && r.status === 503), {
        what: 'a first, failed download',
      });
      const res = await request(gateway.http!)
        .post(`/api/v1/admin/contacts/${String(first.contactId)}/erase`)
        .set('authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({});
      expect(res.status).toBe(200);
      // The job (retrying after Twilio's 503) is gone: its message will never be ingested.
      expect(res.body.counts).toMatchObject({ 'sms-mediaPending': 1 });
    });
  });

  describe('when a medium is refused', () => {
    it('keeps the message, and says why each medium is not stored', async () => {
      const message = await mms([
        { body: Buffer.concat([PDF, randomBytes(MAX_BYTES)]), contentType: 'application/pdf' },
        // Says PNG, is a Windows executable.
        { body: Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), contentType: 'image/png' },
        { body: Buffer.from('<html></html>'), contentType: 'text/html' },
        { body: PDF, contentType: 'application/pdf', url: 'https://files.example.test/x.pdf' },
        // Twilio's URL, redirecting off Twilio's hosts (to an internal address).
        { body: PDF, contentType: 'application/pdf', redirectTo: 'http://169.254.169.254/x' },
      ]);
      expect(message.text).toBe('Here is the invoice');
      const saved = savedOf(message);
      expect(saved.map((s) => [s.stored, s.notStoredReason])).toEqual([
        [false, 'too-large'],
        [false, 'type-mismatch'],
        [false, 'type-not-allowed'],
        [false, 'host-not-allowed'],
        [false, 'host-not-allowed'],
      ]);
      const res = await download(saved[0]!.id);
      expect(res.status).toBe(404);
      expect(JSON.parse((res.body as Buffer).toString()).error.code).toBe(
        'SB_ERR_ATTACHMENT_NOT_STORED',
      );
    });
  });
});
