import type { Response } from 'superagent';

/**
 * supertest parser that keeps a response body as raw bytes (downloads), whatever its content
 * type: `.buffer(true).parse(binaryBody)`.
 */
export function binaryBody(
  response: Response,
  done: (error: Error | null, body: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => done(null, Buffer.concat(chunks)));
}
