import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../../support/close-server.ts';
import {
  createdResource,
  messagesPage,
  newTwilioMessage,
  type TwilioMessage,
} from '../../support/twilio-api.ts';

export type { TwilioMessage };

export interface TwilioRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
  /** What the stand-in answered. */
  status: number;
  sid: string | undefined;
}

/**
 * One planned answer to a message create. `drop`: Twilio takes the message, then the connection
 * is reset before the answer (a response lost on the way back). `queued`: the message stays
 * queued at Twilio (no `date_sent` yet).
 */
type Planned = { status: number; body?: Record<string, unknown>; drop?: boolean; queued?: boolean };

/** A medium the stand-in serves, as Twilio does: behind Basic auth, then on a presigned CDN URL. */
export interface ServedMedium {
  body: Buffer;
  contentType: string;
  /** `user:password` the Media URL requires (account SID and auth token). */
  auth: string;
  /** Sent as Content-Length (default: the body's length); `null` sends none (chunked). */
  contentLength?: number | null;
  /** Where the Media URL redirects instead of the stand-in's own `/cdn/` path. */
  redirectTo?: string;
  /** The Media URL answers this status instead (e.g. 503: Twilio busy, the job retries). */
  status?: number;
}

/**
 * A local HTTP server standing in for Twilio's REST API (Messages.json, and media: `serveMedia`). Answers a create
 * (POST) with 201 and a message resource by default; `plan(to, ...)` queues other answers for one
 * recipient. Answers a read (GET) as Twilio does: filtered by `To`, `From` and `DateSent`/
 * `DateSent<`/`DateSent>` (by date), newest first, one page of `PageSize` (default 50) with the
 * paging fields.
 */
export class FakeTwilio {
  readonly requests: TwilioRequest[] = [];
  /** The messages Twilio took, oldest first. */
  readonly messages: TwilioMessage[] = [];
  private readonly plans = new Map<string, Planned[]>();
  private readonly media = new Map<string, ServedMedium>();
  /** Media fetches (the Media URL and the CDN hop), with their headers and the answer. */
  readonly mediaRequests: Array<{ path: string; headers: IncomingHttpHeaders; status: number }> =
    [];

  /**
   * Serves a medium at its Media URL path (`/2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…`):
   * 401 without the right Basic auth, else a 307 to `/cdn/<path>` (no auth there), which answers
   * the bytes. Returns the Media URL.
   */
  serveMedia(path: string, medium: ServedMedium): string {
    this.media.set(path, medium);
    return `${this.url}${path}`;
  }

  /** Answers a media request, or returns false when the path is not one. */
  private answerMedia(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? '/', 'http://twilio.invalid').pathname;
    const cdn = path.startsWith('/cdn/');
    const medium = this.media.get(cdn ? path.slice('/cdn'.length) : path);
    if (req.method !== 'GET' || medium === undefined) return false;
    const record = (status: number) =>
      this.mediaRequests.push({ path, headers: req.headers, status });
    if (!cdn) {
      const expected = `Basic ${Buffer.from(medium.auth).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        record(401);
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
        return true;
      }
      if (medium.status !== undefined) {
        record(medium.status);
        res.writeHead(medium.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: medium.status }));
        return true;
      }
      record(307);
      res.writeHead(307, { location: medium.redirectTo ?? `/cdn${path}` });
      res.end();
      return true;
    }
    record(200);
    const length = medium.contentLength === undefined ? medium.body.length : medium.contentLength;
    res.writeHead(200, {
      'content-type': medium.contentType,
      ...(length === null ? {} : { 'content-length': String(length) }),
    });
    res.end(medium.body);
    return true;
  }
  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    return `http://127.0.0.1:${address?.port ?? 0}`;
  }

  /** The next answers for messages to `to`, in order; then 201 again. */
  plan(to: string, ...answers: Planned[]): void {
    this.plans.set(to, [...(this.plans.get(to) ?? []), ...answers]);
  }

  /** Message creates (POST) for a number. */
  to(number: string): TwilioRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.form['To'] === number);
  }

  /** Message reads (GET) for a number. */
  readsFor(number: string): TwilioRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.form['To'] === number);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (this.answerMedia(req, res)) return;
        const url = new URL(req.url ?? '/', 'http://twilio.invalid');
        if (req.method === 'GET') {
          const query = Object.fromEntries(url.searchParams);
          this.requests.push({
            method: 'GET',
            path: req.url ?? '',
            headers: req.headers,
            form: query,
            status: 200,
            sid: undefined,
          });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(messagesPage(this.messages, url)));
          return;
        }
        const form = Object.fromEntries(
          new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        );
        const planned = this.plans.get(form['To'] ?? '')?.shift();
        const status = planned?.status ?? 201;
        const message =
          status === 201 ? newTwilioMessage(form, { queued: planned?.queued ?? false }) : undefined;
        const sid = message?.sid;
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          form,
          status,
          sid,
        });
        if (message) this.messages.push(message);
        if (planned?.drop) {
          req.socket.destroy();
          return;
        }
        const body =
          planned?.body ??
          (message === undefined
            ? { code: 20500, message: 'Internal Server Error', status }
            : createdResource(message));
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
