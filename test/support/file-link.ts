import request from 'supertest';
import { expect } from 'vitest';

/**
 * The bytes a signed file link (`/files/:id?exp=…&sig=…`, absolute under `publicUrl` or relative)
 * serves from the gateway's HTTP app, and the status.
 */
export async function fetchFileLink(
  http: Parameters<typeof request>[0],
  link: string,
  publicUrl = '',
): Promise<{ status: number; body: Buffer }> {
  const path = publicUrl && link.startsWith(publicUrl) ? link.slice(publicUrl.length) : link;
  const res = await request(http)
    .get(path)
    .buffer(true)
    .parse((stream, done) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => done(null, Buffer.concat(chunks)));
    });
  return { status: res.status, body: res.body as Buffer };
}

/**
 * A console agent (a signed-in supertest agent and its CSRF token) uploads a file for an answer
 * on a ticket (`POST /api/v1/admin/tickets/:id/files`); the response.
 */
export function uploadForReply(
  console: { agent: ReturnType<typeof request.agent>; csrf: string },
  ticketId: string,
  file: { name: string; type: string; bytes: Buffer },
) {
  return console.agent
    .post(`/api/v1/admin/tickets/${ticketId}/files`)
    .query({ name: file.name })
    .set('x-csrf-token', console.csrf)
    .set('content-type', file.type)
    .send(file.bytes);
}

/** The console agent answers with `text` and these uploaded files (`POST …/reply`); the response. */
export function replyWithFiles(
  console: { agent: ReturnType<typeof request.agent>; csrf: string },
  ticketId: string,
  text: string,
  files: string[],
) {
  return console.agent
    .post(`/api/v1/admin/tickets/${ticketId}/reply`)
    .set('x-csrf-token', console.csrf)
    .send({ text, files });
}

/** The console agent uploads one file and answers with it; both must be accepted. */
export async function answerWithFile(
  console: { agent: ReturnType<typeof request.agent>; csrf: string },
  ticketId: string,
  text: string,
  file: { name: string; type: string; bytes: Buffer },
): Promise<void> {
  const up = await uploadForReply(console, ticketId, file);
  expect(up.status).toBe(201);
  const sent = await replyWithFiles(console, ticketId, text, [String(up.body.file.id)]);
  expect(sent.status).toBe(202);
}

/** A new console agent (`login`) answers on the ticket with one file. */
export async function newAgentAnswersWithFile(
  harness: {
    consoleAgent(
      login: string,
      displayName: string,
    ): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }>;
  },
  login: string,
  ticketId: string,
  text: string,
  file: { name: string; type: string; bytes: Buffer },
): Promise<void> {
  await answerWithFile(await harness.consoleAgent(login, login), ticketId, text, file);
}
