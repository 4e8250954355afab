/**
 * Issue 19, files both ways on the Slack desk: files an agent shares with an answer in a card's
 * thread are downloaded with the bot token, stored as the ticket's uploads and sent with the
 * answer; a Slack customer gets them uploaded into their own thread, byte for byte, and the card's
 * thread lists them behind signed links. A file the limits refuse, and a file from anyone who may
 * not answer, sends nothing. State comes only through signed Slack events and the API channel.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deskJobId } from '../../src/desk/jobs.ts';
import { fetchFileLink } from '../support/file-link.ts';
import { waitFor } from '../support/gateway.ts';
import { AGENTS, DeskHarness, type Card } from './harness.ts';
import { directMessageEvent, threadMessageEvent } from './slack-requests.ts';

const TOKEN = 'xoxb-test-token';
const PUBLIC_URL = 'https://support.example.test';
const MAX_BYTES = 8192;
const ADA = 'U0ADA001';
const BOB = 'U0BOB001';
/** In the workspace, not in the agents' user group. */
const STRANGER = 'U0STRANGE1';
const CUSTOMER = 'U0CUSTF01';
const DM = 'D0CUSTF01';
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3000), Buffer.from('\n%%EOF')]);
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(700)]);

let h: DeskHarness;
let seq = 0;
let fileSeq = 0;
/** The desk job of the last message `shares` sent. */
let lastJobId = '';

beforeAll(async () => {
  h = await DeskHarness.start({
    config: { ADMIN_UPLOAD_MAX_BYTES: String(MAX_BYTES), PUBLIC_URL },
  });
});

afterAll(async () => {
  await h.stop();
});

/** A file Slack serves to the bot token, as a message event's `files` entry describes it. */
function slackFile(
  name: string,
  body: Buffer,
  mimetype: string,
  options: { failures?: number; url?: string } = {},
) {
  fileSeq += 1;
  const id = `F0AGENT${String(fileSeq).padStart(3, '0')}`;
  const url =
    options.url ??
    h.slack.serveFile({ id, name, body, mimetype, token: TOKEN, failures: options.failures });
  return {
    id,
    name,
    title: name,
    mimetype,
    filetype: 'binary',
    size: body.length,
    mode: 'hosted',
    url_private: url.replace('/download/', '/'),
    url_private_download: url,
  };
}

/** An agent writes in the card's thread with files, as Slack sends it; what the desk job did. */
async function shares(
  card: Pick<Card, 'ts'>,
  user: string,
  text: string,
  files: unknown[],
): Promise<unknown> {
  seq += 1;
  const ts = `1700030000.${String(seq).padStart(6, '0')}`;
  const body = JSON.parse(
    threadMessageEvent({ channel: AGENTS, threadTs: card.ts, ts, user, text }),
  ) as { event: Record<string, unknown> };
  body.event['subtype'] = 'file_share';
  body.event['files'] = files;
  expect((await h.post(JSON.stringify(body), 'json')).status).toBe(200);
  lastJobId = deskJobId('reply', AGENTS, ts);
  return h.finishedJob(lastJobId);
}

const ephemeralTo = (user: string) =>
  h.slack
    .callsOf('chat.postEphemeral')
    .filter((c) => c.args['user'] === user)
    .map((c) => String(c.args['text']));

const downloadsOf = (file: { id: string }) =>
  h.slack.fileRequests.filter((r) => r.path.includes(file.id));

describe('files an agent shares in a card thread', () => {
  describe('when the customer wrote by Slack', () => {
    it('uploads them into the customer thread byte for byte, and the card thread links them', async () => {
      // The Slack channel claims to carry files out because it now does.
      expect(h.gateway.adapters.get('slack')?.capabilities.attachments.outbound).toBe(true);
      const dmTs = '1700030000.000001';
      const dm = directMessageEvent({
        eventId: 'Ev0AGFILE01',
        channel: DM,
        user: CUSTOMER,
        ts: dmTs,
        text: 'Where is my invoice?',
      });
      expect((await h.post(dm, 'json')).status).toBe(200);
      const card = await h.cardFor(`Agent ${CUSTOMER}`);
      const pdf = slackFile('invoice.pdf', PDF, 'application/pdf');
      // The file server has a bad moment on the second file: the job is retried.
      const png = slackFile('receipt.png', PNG, 'image/png', { failures: 1 });

      expect(await shares(card, ADA, 'Here is your invoice', [pdf, png])).toBe('sent');
      // The finished job keeps neither the words nor the files' names and links.
      const job = await h.desk.queue.getJob(lastJobId);
      expect(job?.data).toMatchObject({ kind: 'reply', text: '' });
      expect(job?.data).not.toHaveProperty('files');

      const complete = await waitFor(
        () =>
          h.slack.callsOf('files.completeUploadExternal').find((c) => c.args['channel_id'] === DM),
        { what: "the files shared in the customer's thread" },
      );
      expect(complete.args['thread_ts']).toBe(dmTs);
      const uploaded = (complete.args['files'] as Array<{ id: string; title: string }>).map(
        (f) => ({ title: f.title, bytes: h.slack.uploads.get(f.id)?.bytes }),
      );
      expect(uploaded.map((u) => u.title)).toEqual(['invoice.pdf', 'receipt.png']);
      expect(uploaded[0]?.bytes?.equals(PDF)).toBe(true);
      expect(uploaded[1]?.bytes?.equals(PNG)).toBe(true);
      const text = await waitFor(
        () =>
          h.slack
            .callsOf('chat.postMessage')
            .find(
              (c) =>
                c.args['channel'] === DM && String(c.args['text']).includes('Here is your invoice'),
            ),
        { what: "the answer's text" },
      );
      expect(text.args['thread_ts']).toBe(dmTs);
      // The retried job downloaded the first file once, stored nothing twice and sent once.
      expect(downloadsOf(pdf).map((r) => r.status)).toEqual([200]);
      expect(downloadsOf(png).map((r) => r.status)).toEqual([503, 200]);
      expect(downloadsOf(pdf)[0]?.token).toBe(TOKEN);
      expect(
        h.slack.callsOf('files.completeUploadExternal').filter((c) => c.args['channel_id'] === DM),
      ).toHaveLength(1);
      const answers = (await h.gateway.pool.listMessages(card.ticketId)).filter(
        (m) => m.authorKind === 'agent',
      );
      expect(answers).toHaveLength(1);
      expect(answers[0]?.attachments?.map((a) => a.name)).toEqual(['invoice.pdf', 'receipt.png']);

      // The card's thread lists what the customer got, each behind a signed link.
      const listed = await waitFor(
        () =>
          h.slack
            .callsOf('chat.postMessage')
            .find(
              (c) =>
                c.args['thread_ts'] === card.ts &&
                String(c.args['text']).includes('went to the customer with these files'),
            ),
        { what: 'the files listed in the card thread' },
      );
      const link = /<(https:\/\/support\.example\.test\/files\/[^|>]+)\|invoice\.pdf>/.exec(
        String(listed.args['text']),
      );
      expect(link).not.toBeNull();
      const served = await fetchFileLink(h.http, link![1]!.replace(/&amp;/g, '&'), PUBLIC_URL);
      expect(served.status).toBe(200);
      expect(served.body.equals(PDF)).toBe(true);
      expect(String(listed.args['text'])).toContain('|receipt.png>');
    });
  });

  describe('when a file breaks the limits', () => {
    let card: Card;
    beforeAll(async () => {
      await h.customerWrites('conv-agent-files', 'Send me my contract', 'Lena Limits');
      card = await h.cardFor('Lena Limits');
    });

    it.each([
      [
        'larger than the upload cap',
        () => slackFile('huge.pdf', Buffer.concat([PDF, PDF, PDF]), 'application/pdf'),
        `huge.pdf is larger than the ${MAX_BYTES} bytes`,
      ],
      [
        'of a type not allowed',
        () => slackFile('setup.exe', PDF, 'application/x-msdownload'),
        'setup.exe is a application/x-msdownload',
      ],
      [
        'not the type it claims',
        () => slackFile('fake.png', PDF, 'image/png'),
        'fake.png is not the image/png it claims to be',
      ],
      [
        "not on Slack's file servers",
        () => slackFile('x.pdf', PDF, 'application/pdf', { url: 'https://evil.example/x.pdf' }),
        "x.pdf is not on Slack's file servers",
      ],
    ])('(%s) sends nothing, keeps a note and tells the agent why', async (_case, file, why) => {
      const before = h.callbackTexts('conv-agent-files').length;
      expect(await shares(card, ADA, `Your contract (${_case})`, [file()])).toBe('noted');
      expect(ephemeralTo(ADA).at(-1)).toContain(why);
      expect(ephemeralTo(ADA).at(-1)).toContain('kept as an internal note');
      const notes = await h.gateway.pool.models.TicketNote.find({
        ticketId: card.ticketId,
      }).lean();
      const noted = notes.find((n) => n.text === `Your contract (${_case})`);
      expect(noted?.notSentBecause).toContain(why);
      expect(h.callbackTexts('conv-agent-files').length).toBe(before);
    });

    it('keeps a refused file shared without words as a note naming it', async () => {
      const file = slackFile('tool.exe', PDF, 'application/x-msdownload');
      expect(await shares(card, ADA, '', [file])).toBe('noted');
      expect(ephemeralTo(ADA).at(-1)).toContain('tool.exe is a application/x-msdownload');
      const notes = await h.gateway.pool.models.TicketNote.find({
        ticketId: card.ticketId,
      }).lean();
      expect(notes.map((n) => n.text)).toContain('Files: tool.exe');
    });

    it('refuses more files than an answer carries, downloading none', async () => {
      const files = Array.from({ length: 11 }, (_, i) =>
        slackFile(`p${i}.pdf`, PDF, 'application/pdf'),
      );
      expect(await shares(card, ADA, 'All the pages', files)).toBe('noted');
      expect(ephemeralTo(ADA).at(-1)).toContain('at most 10 files');
      expect(files.flatMap(downloadsOf)).toEqual([]);
    });
  });

  describe('when the author may not answer', () => {
    let card: Card;
    beforeAll(async () => {
      await h.customerWrites('conv-agent-files-2', 'Invoice again', 'Hal Held');
      card = await h.cardFor('Hal Held');
      expect(await shares(card, ADA, 'On it', [])).toBe('sent');
    });

    it('does not download the file of an agent who does not hold the ticket', async () => {
      const file = slackFile('bob.pdf', PDF, 'application/pdf');
      expect(await shares(card, BOB, 'Here it is', [file])).toBe('noted');
      expect(ephemeralTo(BOB).at(-1)).toMatch(/already taken by/);
      expect(downloadsOf(file)).toEqual([]);
    });

    it('does not download the file of someone who is not an agent', async () => {
      const file = slackFile('stranger.pdf', PDF, 'application/pdf');
      expect(await shares(card, STRANGER, 'Take this', [file])).toBe('not-enrolled');
      expect(downloadsOf(file)).toEqual([]);
      expect(h.callbackTexts('conv-agent-files-2').some((t) => t.includes('Take this'))).toBe(
        false,
      );
    });
  });
});
