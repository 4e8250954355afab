import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SavedFile } from '../../../channels/files/saved.ts';
import type { MessageDoc } from '../../../src/pool/models.ts';
import { binaryBody } from '../../support/binary-body.ts';
import { waitFor } from '../../support/gateway.ts';
import { DeskHarness } from '../../desk/harness.ts';
import { directMessageEvent } from '../../desk/slack-requests.ts';

const TOKEN = 'xoxb-test-token';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const CUSTOMER = 'U0FILES1';
const DM = 'D0FILES1';
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(900), Buffer.from('\n%%EOF')]);

let h: DeskHarness;

beforeAll(async () => {
  h = await DeskHarness.start({ env: { SLACK_FILE_MAX_BYTES: '2048' } });
});

afterAll(async () => {
  await h.stop();
});

/** A direct message with files, as Slack sends it: subtype `file_share`, a `files` list. */
function fileShare(
  eventId: string,
  ts: string,
  text: string,
  files: Array<{ id: string; name: string; mimetype: string; size: number; url: string }>,
): string {
  const body = JSON.parse(
    directMessageEvent({ eventId, channel: DM, user: CUSTOMER, ts, text }),
  ) as { event: Record<string, unknown> };
  body.event['subtype'] = 'file_share';
  body.event['files'] = files.map((f) => ({
    id: f.id,
    name: f.name,
    title: f.name,
    mimetype: f.mimetype,
    filetype: 'pdf',
    size: f.size,
    mode: 'hosted',
    url_private: f.url.replace('/download/', '/'),
    url_private_download: f.url,
  }));
  return JSON.stringify(body);
}

async function messageOf(eventId: string): Promise<MessageDoc> {
  return waitFor(() => h.gateway.pool.getMessage(`slack.${eventId}`), { what: eventId });
}

const savedOf = (message: MessageDoc) =>
  (message.channelData as { attachments?: SavedFile[] }).attachments ?? [];

describe('Slack customer channel: shared files', () => {
  describe('when a customer shares a PDF in a direct message', () => {
    it('stores it byte for byte, downloaded with the bot token, and the text is the message', async () => {
      const url = h.slack.serveFile({
        id: 'F0PDF001',
        name: 'invoice.pdf',
        body: PDF,
        mimetype: 'application/pdf',
        token: TOKEN,
      });
      const body = fileShare('Ev0FILE0001', '1700020000.000100', 'My invoice is wrong', [
        { id: 'F0PDF001', name: 'invoice.pdf', mimetype: 'application/pdf', size: PDF.length, url },
      ]);
      expect((await h.post(body, 'json')).status).toBe(200);
      const message = await messageOf('Ev0FILE0001');
      expect(message.text).toBe('My invoice is wrong');
      const [saved] = savedOf(message);
      expect(saved).toMatchObject({ name: 'invoice.pdf', stored: true, size: PDF.length });
      expect(h.slack.fileRequests.find((r) => r.path.includes('F0PDF001'))?.token).toBe(TOKEN);
      const res = await request(h.http)
        .get(`/api/v1/attachments/${encodeURIComponent(saved!.id)}`)
        .set('authorization', `Bearer ${ADMIN_TOKEN}`)
        .buffer(true)
        .parse(binaryBody);
      expect(res.status).toBe(200);
      expect((res.body as Buffer).equals(PDF)).toBe(true);
      // The agents' card lists it (no PUBLIC_URL here: no link Slack could open, a pointer instead).
      const card = await waitFor(
        () =>
          h.slack
            .callsOf('chat.postMessage')
            .find((c) => JSON.stringify(c.args['blocks'] ?? []).includes('invoice.pdf')),
        { what: 'the card listing the file' },
      );
      expect(JSON.stringify(card.args['blocks'])).toContain(
        `:paperclip: invoice.pdf (application/pdf, ${PDF.length} B): open the ticket in the console`,
      );

      // A second file in the same conversation is relayed into the card's thread with its file.
      const text = Buffer.from('order 1234\nshipped late\n');
      const url2 = h.slack.serveFile({
        id: 'F0TXT001',
        name: 'notes.txt',
        body: text,
        mimetype: 'text/plain',
        token: TOKEN,
      });
      const reply = fileShare('Ev0FILE0003', '1700020000.000200', 'and my notes', [
        { id: 'F0TXT001', name: 'notes.txt', mimetype: 'text/plain', size: text.length, url: url2 },
      ]);
      const parsed = JSON.parse(reply) as { event: Record<string, unknown> };
      parsed.event['thread_ts'] = '1700020000.000100';
      expect((await h.post(JSON.stringify(parsed), 'json')).status).toBe(200);
      const relayed = await waitFor(
        () =>
          h.slack
            .callsOf('chat.postMessage')
            .find(
              (c) => c.args['thread_ts'] === card.ts && String(c.args['text']).includes('notes'),
            ),
        { what: 'the relayed message in the card thread' },
      );
      expect(String(relayed.args['text'])).toContain(
        `:paperclip: notes.txt (text/plain, ${text.length} B): open the ticket in the console`,
      );
    });
  });

  describe('when a file cannot be kept', () => {
    it('records each as not stored with the reason, and the message still arrives', async () => {
      const big = Buffer.concat([PDF, PDF, PDF]);
      const files = [
        { id: 'F0BIG001', name: 'big.pdf', body: big, mimetype: 'application/pdf', token: TOKEN },
        // Slack answers its sign-in page to a wrong token: that is not the PDF it claims to be.
        { id: 'F0TOK001', name: 'a.pdf', body: PDF, mimetype: 'application/pdf', token: 'other' },
        {
          id: 'F0EXE001',
          name: 'setup.exe',
          body: PDF,
          mimetype: 'application/x-msdownload',
          token: TOKEN,
        },
      ];
      const shared = files.map((f) => ({
        id: f.id,
        name: f.name,
        mimetype: f.mimetype,
        size: f.body.length,
        url: h.slack.serveFile(f),
      }));
      shared.push({
        id: 'F0ELSE01',
        name: 'x.pdf',
        mimetype: 'application/pdf',
        size: 10,
        url: 'https://files.example.test/x.pdf',
      });
      const body = fileShare('Ev0FILE0002', '1700020100.000100', 'See attached', shared);
      expect((await h.post(body, 'json')).status).toBe(200);
      const message = await messageOf('Ev0FILE0002');
      expect(message.text).toBe('See attached');
      expect(savedOf(message).map((s) => [s.name, s.stored, s.notStoredReason])).toEqual([
        ['big.pdf', false, 'too-large'],
        ['a.pdf', false, 'type-mismatch'],
        ['setup.exe', false, 'type-not-allowed'],
        ['x.pdf', false, 'host-not-allowed'],
      ]);
    });
  });
});
