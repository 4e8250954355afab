import { createServer, type IncomingMessage, type Server } from 'node:http';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifySignature } from './signature.ts';

/** Callbacks are small JSON documents; anything larger is refused unread. */
const MAX_BODY_BYTES = 1024 * 1024;

/** What the receiver made of one request. */
export interface ReceivedCallback {
  path: string;
  delivery: string | undefined;
  /** `ok`, `bad` (refused with 401) or `unchecked` (no secret given). */
  signature: 'ok' | 'bad' | 'unchecked';
  body: string;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One printable line per callback, then its JSON, indented. */
export function describeCallback(callback: ReceivedCallback): string {
  let shown = callback.body;
  try {
    shown = JSON.stringify(JSON.parse(callback.body), null, 2);
  } catch {
    // not JSON: shown as it came
  }
  const head = `POST ${callback.path}  delivery ${callback.delivery ?? '-'}  signature ${callback.signature}`;
  return `${head}\n${shown.replace(/^/gm, '  ')}\n`;
}

/**
 * A local receiver for the API channel's callbacks (`switchboard dev-receiver`): prints each one
 * and checks its `X-Switchboard-Signature` with the integration's webhook secret, as a real
 * receiver must. A good (or unchecked) signature is answered 200, a bad one 401 — so the gateway
 * records what a real receiver would make of it. For trying the gateway on one machine, which
 * needs API_CALLBACK_ALLOW_PRIVATE=true (callbacks to loopback are refused otherwise).
 */
export async function startDevReceiver(options: {
  port: number;
  host: string;
  secret?: string | undefined;
  onCallback: (callback: ReceivedCallback) => void;
}): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const body = await readBody(req);
      if (body === undefined) {
        res.writeHead(413).end();
        return;
      }
      const header = req.headers[SIGNATURE_HEADER];
      const signature =
        options.secret === undefined
          ? 'unchecked'
          : verifySignature({
                secret: options.secret,
                body,
                header: typeof header === 'string' ? header : undefined,
              })
            ? 'ok'
            : 'bad';
      const delivery = req.headers[DELIVERY_HEADER];
      options.onCallback({
        path: req.url ?? '/',
        delivery: typeof delivery === 'string' ? delivery : undefined,
        signature,
        body,
      });
      res.writeHead(signature === 'bad' ? 401 : 200).end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(400);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
