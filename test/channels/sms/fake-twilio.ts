import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../../support/close-server.ts';

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

/** A message Twilio holds, as its Message resource shows it. */
export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  dateCreated: Date;
  /** Null while queued (https://www.twilio.com/docs/messaging/api/message-resource). */
  dateSent: Date | null;
}

/** Twilio's date format: RFC 2822 with a numeric zone. */
function rfc2822(date: Date | null): string | null {
  return date === null ? null : date.toUTCString().replace('GMT', '+0000');
}

/** Midnight (UTC) of the date a `DateSent` filter names: Twilio filters by date, not by time. */
function dayOf(value: string): number {
  return Date.parse(`${value.slice(0, 10)}T00:00:00Z`);
}

/**
 * A local HTTP server standing in for Twilio's REST API (Messages.json only). Answers a create
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
          res.end(JSON.stringify(this.page(url)));
          return;
        }
        const form = Object.fromEntries(
          new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        );
        const planned = this.plans.get(form['To'] ?? '')?.shift();
        const status = planned?.status ?? 201;
        const sid = status === 201 ? `SM${randomBytes(16).toString('hex')}` : undefined;
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          form,
          status,
          sid,
        });
        const now = new Date();
        if (sid !== undefined) {
          this.messages.push({
            sid,
            to: form['To'] ?? '',
            from: form['From'] ?? null,
            messagingServiceSid: form['MessagingServiceSid'] ?? null,
            body: form['Body'] ?? '',
            dateCreated: now,
            dateSent: planned?.queued ? null : now,
          });
        }
        if (planned?.drop) {
          req.socket.destroy();
          return;
        }
        const body =
          planned?.body ??
          (sid === undefined
            ? { code: 20500, message: 'Internal Server Error', status }
            : {
                sid,
                status: 'queued',
                to: form['To'],
                from: form['From'] ?? null,
                messaging_service_sid: form['MessagingServiceSid'] ?? null,
                body: form['Body'],
                num_segments: '1',
                direction: 'outbound-api',
                api_version: '2010-04-01',
                date_created: rfc2822(now),
                date_sent: null,
              });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return this;
  }

  /** One page of the Messages list, filtered as Twilio filters it. */
  private page(url: URL): Record<string, unknown> {
    const q = url.searchParams;
    const to = q.get('To');
    const from = q.get('From');
    const on = q.get('DateSent');
    const before = q.get('DateSent<');
    const after = q.get('DateSent>');
    const pageSize = Math.min(Number(q.get('PageSize') ?? 50) || 50, 1000);
    const day = 86_400_000;
    const matching = this.messages
      .filter((m) => (to === null || m.to === to) && (from === null || m.from === from))
      .filter((m) => {
        if (on === null && before === null && after === null) return true;
        if (m.dateSent === null) return false;
        const sent = m.dateSent.getTime();
        if (on !== null && (sent < dayOf(on) || sent >= dayOf(on) + day)) return false;
        if (before !== null && sent >= dayOf(before) + day) return false;
        if (after !== null && sent < dayOf(after)) return false;
        return true;
      })
      // Newest first by date_sent; still-queued messages (no date_sent) first of all.
      .sort(
        (a, b) =>
          (b.dateSent?.getTime() ?? Infinity) - (a.dateSent?.getTime() ?? Infinity) ||
          b.dateCreated.getTime() - a.dateCreated.getTime(),
      );
    const shown = matching.slice(0, pageSize);
    const path = url.pathname;
    const pageUri = (page: number) => {
      const params = new URLSearchParams(q);
      params.set('PageSize', String(pageSize));
      params.set('Page', String(page));
      return `${path}?${params.toString()}`;
    };
    return {
      messages: shown.map((m) => ({
        account_sid: path.split('/')[3],
        api_version: '2010-04-01',
        sid: m.sid,
        to: m.to,
        from: m.from,
        messaging_service_sid: m.messagingServiceSid,
        body: m.body,
        direction: 'outbound-api',
        status: m.dateSent === null ? 'queued' : 'sent',
        num_segments: '1',
        date_created: rfc2822(m.dateCreated),
        date_updated: rfc2822(m.dateSent ?? m.dateCreated),
        date_sent: rfc2822(m.dateSent),
        uri: `${path.replace(/\.json$/, '')}/${m.sid}.json`,
      })),
      uri: pageUri(0),
      first_page_uri: pageUri(0),
      // Only the first page is ever served; the client here never reads past it.
      next_page_uri: matching.length > pageSize ? pageUri(1) : null,
      previous_page_uri: null,
      page: 0,
      page_size: pageSize,
      start: 0,
      end: Math.max(0, shown.length - 1),
    };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
