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

type Planned = { status: number; body?: Record<string, unknown> };

/**
 * A local HTTP server standing in for Twilio's REST API (Messages.json only). Answers 201 with a
 * message resource by default; `plan(to, ...)` queues other answers for one recipient.
 */
export class FakeTwilio {
  readonly requests: TwilioRequest[] = [];
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

  to(number: string): TwilioRequest[] {
    return this.requests.filter((r) => r.form['To'] === number);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
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
                api_version: '2010-04-01',
                date_created: new Date().toUTCString(),
              });
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
