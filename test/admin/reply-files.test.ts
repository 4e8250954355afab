/**
 * Issue 19 item 4, files out: an agent uploads a file for an answer from the console
 * (`POST /tickets/:id/files`) and names it in the answer (`files` of `POST /tickets/:id/reply`).
 * With PUBLIC_URL set, the API channel's callback carries each file's name, type, size and an
 * absolute signed link in `files` (the integration fetches it). Hostile inputs are refused: too large (413), a wrong or lying type (415), another ticket's file
 * and too many files (400). State comes only through the API channel and the admin API.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES_AS_LINKS_NOTE } from '../../src/pipeline/outbound.ts';
import { DeskHarness } from '../desk/harness.ts';
import { fetchFileLink, replyWithFiles, uploadForReply } from '../support/file-link.ts';
import { waitFor } from '../support/gateway.ts';

const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n'),
  Buffer.from([0x00, 0xff, 0x10, 0x80]),
  Buffer.from('\n%%EOF\n'),
]);

let h: DeskHarness;
let agent: ReturnType<typeof request.agent>;
let csrf = '';

beforeAll(async () => {
  h = await DeskHarness.start({
    config: { ADMIN_UPLOAD_MAX_BYTES: '4096', PUBLIC_URL: 'https://support.example.test' },
  });
  ({ agent, csrf } = await h.consoleAgent('fay', 'Fay'));
});

afterAll(async () => {
  await h.stop();
});

async function ticketOf(conversationId: string, name: string): Promise<string> {
  const wrote = await request(h.http)
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${h.apiKey}`)
    .send({
      messageId: `m-${conversationId}`,
      conversationId,
      from: { id: `cust-${conversationId}`, name },
      text: 'Please send me the invoice',
    });
  expect(wrote.status).toBe(202);
  return (await h.cardFor(name)).ticketId;
}

function upload(ticketId: string, bytes: Buffer, type: string, name = 'invoice.pdf') {
  return uploadForReply({ agent, csrf }, ticketId, { name, type, bytes });
}

describe('files on an answer from the console', () => {
  let ticketId = '';
  let otherTicketId = '';

  beforeAll(async () => {
    ticketId = await ticketOf('conv-files-1', 'Ivy Invoice');
    otherTicketId = await ticketOf('conv-files-2', 'Oscar Other');
  });

  it('stores an uploaded PDF for the ticket and sends it with the answer', async () => {
    const up = await upload(ticketId, PDF, 'application/pdf');
    expect(up.status).toBe(201);
    expect(up.body.file).toMatchObject({
      name: 'invoice.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
    });
    const sent = await replyWithFiles({ agent, csrf }, ticketId, 'Here is your invoice.', [
      up.body.file.id,
    ]);
    expect(sent.status).toBe(202);
    const message = await waitFor(async () =>
      (await h.gateway.pool.listMessages(ticketId)).find((m) => m.authorKind === 'agent'),
    );
    expect(message.attachments).toEqual([
      expect.objectContaining({
        fileId: up.body.file.id,
        name: 'invoice.pdf',
        contentType: 'application/pdf',
        size: PDF.length,
      }),
    ]);

    // The API channel's callback carries the file (PUBLIC_URL makes its link absolute); the text
    // stays the agent's.
    const callback = await waitFor(() =>
      h.callbacks('conv-files-1').find((c) => c.text.startsWith('Here is your invoice.')),
    );
    expect(callback.text).toBe('Here is your invoice.');
    expect(callback.text).not.toContain(FILES_AS_LINKS_NOTE);
    expect(callback.files).toEqual([
      {
        name: 'invoice.pdf',
        contentType: 'application/pdf',
        size: PDF.length,
        url: expect.any(String),
      },
    ]);
    const link = /^(https:\/\/support\.example\.test(\/files\/\S+))$/.exec(callback.files![0]!.url);
    expect(link).not.toBeNull();
    const url = new URL(link![1]!);
    // Signed for days (OUTBOUND_FILE_LINK_SECONDS, a week by default).
    const expires = Number(url.searchParams.get('exp')) * 1000;
    expect(expires - Date.now()).toBeGreaterThan(6 * 24 * 3600 * 1000);
    const download = await fetchFileLink(h.http, link![2]!);
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body, PDF)).toBe(0);

    // The card's thread shows the answer as sent, its file behind a signed link (desk/files.ts).
    const card = await waitFor(() => h.deskCard(ticketId), { what: 'the card' });
    const inThread = await waitFor(
      () =>
        h.slack
          .callsOf('chat.postMessage')
          .find(
            (c) =>
              c.args['thread_ts'] === card.ts &&
              String(c.args['text']).includes('(console, sent to the customer)'),
          ),
      { what: 'the answer in the card thread' },
    );
    const threadLink =
      /:paperclip: <(https:\/\/support\.example\.test\/files\/[^|>]+)\|invoice\.pdf>/.exec(
        String(inThread.args['text']),
      );
    expect(threadLink).not.toBeNull();
    const fromSlack = await fetchFileLink(
      h.http,
      threadLink![1]!.replace(/&amp;/g, '&'),
      'https://support.example.test',
    );
    expect(Buffer.compare(fromSlack.body, PDF)).toBe(0);

    // The console's transcript shows the file on the agent's answer, with a short-lived link.
    const view = await agent.get(`/api/v1/admin/tickets/${ticketId}`);
    const answer = (
      view.body.transcript as Array<{ authorKind: string; attachments: Array<{ link: string }> }>
    ).find((m) => m.authorKind === 'agent');
    expect(answer?.attachments).toEqual([
      expect.objectContaining({
        id: up.body.file.id,
        name: 'invoice.pdf',
        link: expect.any(String),
      }),
    ]);
    const shown = await fetchFileLink(
      h.http,
      answer!.attachments[0]!.link,
      'https://support.example.test',
    );
    expect(Buffer.compare(shown.body, PDF)).toBe(0);
  });

  it('refuses a file over ADMIN_UPLOAD_MAX_BYTES (413)', async () => {
    const big = Buffer.concat([PDF, Buffer.alloc(5000, 0x41)]);
    const up = await upload(ticketId, big, 'application/pdf');
    expect(up.status).toBe(413);
  });

  it('refuses a type not allowed, and a type the bytes do not match (415)', async () => {
    expect(
      (await upload(ticketId, Buffer.from('MZ\x90\x00'), 'application/x-msdownload')).status,
    ).toBe(415);
    expect(
      (await upload(ticketId, Buffer.from('MZ\x90\x00\x03'), 'image/png', 'a.png')).status,
    ).toBe(415);
  });

  it("refuses another ticket's file, and too many files (400)", async () => {
    const theirs = await upload(otherTicketId, PDF, 'application/pdf');
    expect(theirs.status).toBe(201);
    const refused = await replyWithFiles({ agent, csrf }, ticketId, 'Wrong file', [
      theirs.body.file.id,
    ]);
    expect(refused.status).toBe(400);
    const tooMany = await replyWithFiles(
      { agent, csrf },
      ticketId,
      'Many files',
      Array.from({ length: 11 }, (_, i) => `upload.x.${i}`),
    );
    expect(tooMany.status).toBe(400);
    const texts = (await h.gateway.pool.listMessages(ticketId)).map((m) => m.text);
    expect(texts).not.toContain('Wrong file');
    expect(texts).not.toContain('Many files');
  });

  it("exports the ticket's uploads with the customer's data and erases them with it", async () => {
    const ticket = await h.gateway.pool.getTicket(ticketId);
    const contactId = String(ticket?.contactId);
    const admin = 'Bearer test-admin-token-0123456789';
    const exported = await request(h.http)
      .get(`/api/v1/admin/contacts/${contactId}/export`)
      .set('authorization', admin);
    expect(exported.status).toBe(200);
    const files = (exported.body.replyFiles ?? []) as Array<{ _id: string }>;
    expect(files).toHaveLength(1);
    const fileId = files[0]!._id;
    const erased = await request(h.http)
      .post(`/api/v1/admin/contacts/${contactId}/erase`)
      .set('authorization', admin)
      .send({});
    expect(erased.status).toBe(200);
    // Nothing left to attach: the file is gone.
    const after = await replyWithFiles({ agent, csrf }, ticketId, 'Again', [fileId]);
    expect(after.status).toBe(400);
  });
});
