/**
 * Issue 19 item 4, files out: with PUBLIC_URL set, an agent's file reaches a web chat visitor as
 * a Direct Line attachment whose `contentUrl` is the signed link, which serves the file's bytes;
 * the text carries no link. The visitor writes over the gateway's own Direct Line; the agent
 * uploads and answers through the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES_AS_LINKS_NOTE } from '../../../src/pipeline/outbound.ts';
import { DeskHarness } from '../../desk/harness.ts';
import { fetchFileLink, newAgentAnswersWithFile } from '../../support/file-link.ts';
import { listenGateway, waitFor } from '../../support/gateway.ts';
import { DirectLineClient } from './directline-client.ts';

const PUBLIC_URL = 'https://support.example.test';
const PDF = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n', 'latin1');
const WARRANTY = { name: 'warranty.pdf', type: 'application/pdf', bytes: PDF };

let h: DeskHarness;
let served: Awaited<ReturnType<typeof listenGateway>>;

beforeAll(async () => {
  h = await DeskHarness.start({
    env: { WEBCHAT_TOKEN_SECRET: 'files-out-directline-token-secret-0123456789' },
    config: { PUBLIC_URL },
  });
  served = await listenGateway(h.gateway);
});

afterAll(async () => {
  await served?.close();
  await h?.stop();
});

describe('an agent answers a web chat visitor with a file', () => {
  it('sends a Direct Line attachment whose contentUrl serves the bytes', async () => {
    expect(h.gateway.adapters.get('webchat')?.capabilities.attachments.outbound).toBe(true);
    const client = new DirectLineClient(served.url);
    const chat = await client.start();
    expect((await client.say(chat, 'Could I get my warranty card?')).status).toBe(200);
    const ticketId = await waitFor(async () => {
      const ticket = await h.gateway.pool.models.Ticket.findOne({ channel: 'webchat' }).lean();
      return ticket ? String(ticket._id) : undefined;
    });

    await newAgentAnswersWithFile(h, 'ida', ticketId, 'Here is your warranty card.', WARRANTY);

    const { activity } = await client.pollFor(
      chat.conversationId,
      chat.token,
      '',
      (a) => (a.attachments ?? []).length > 0,
      'the answer with its file',
    );
    expect(activity.text).toContain('Here is your warranty card.');
    expect(activity.text).not.toContain(FILES_AS_LINKS_NOTE);
    const [file] = activity.attachments ?? [];
    expect(file).toMatchObject({ contentType: 'application/pdf', name: 'warranty.pdf' });
    expect(file!.contentUrl.startsWith(`${PUBLIC_URL}/files/`)).toBe(true);
    const download = await fetchFileLink(h.http, file!.contentUrl, PUBLIC_URL);
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body, PDF)).toBe(0);
  });
});
