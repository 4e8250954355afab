/**
 * Where the gateway's answers go during the drill, standing in for the customers' side of each
 * channel: the API integration's webhook, Twilio's REST API and an SMTP server. Each logs every
 * accepted delivery by its idempotency key (so a second one is a duplicate) and can be told to fail
 * for a while, as a receiver having an outage would (HTTP 503, SMTP 451).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export class DeliveryLog {
  private readonly counts = new Map<string, number>();
  accepted = 0;
  refused = 0;

  record(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.accepted += 1;
  }

  /** Keys accepted more than once: answers the customer got twice. */
  get duplicates(): number {
    let count = 0;
    for (const seen of this.counts.values()) if (seen > 1) count += seen - 1;
    return count;
  }
}

export class Receivers {
  readonly api = new DeliveryLog();
  readonly sms = new DeliveryLog();
  readonly email = new DeliveryLog();
  failing = false;
  private http: Server | undefined;
  private smtp: SMTPServer | undefined;
  httpPort = 0;
  smtpPort = 0;

  async start(): Promise<void> {
    this.http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const isTwilio = (req.url ?? '').includes('/Messages.json');
        const log = isTwilio ? this.sms : this.api;
        if (this.failing) {
          log.refused += 1;
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 20503, message: 'Service Unavailable', status: 503 }));
          return;
        }
        if (isTwilio) {
          const form = Object.fromEntries(new URLSearchParams(body));
          // One answer per customer number and text: every drill customer writes once.
          log.record(`${form['To']}|${form['Body']}`);
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              sid: `SM${randomBytes(16).toString('hex')}`,
              status: 'queued',
              to: form['To'],
              from: form['From'] ?? null,
              body: form['Body'],
              num_segments: '1',
              api_version: '2010-04-01',
              date_created: new Date().toUTCString(),
            }),
          );
          return;
        }
        const delivery = req.headers['x-switchboard-delivery'];
        log.record(typeof delivery === 'string' ? delivery : `unkeyed-${log.accepted}`);
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.http?.listen(0, '127.0.0.1', resolve));
    this.httpPort = (this.http.address() as AddressInfo).port;

    this.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        if (this.failing) {
          this.email.refused += 1;
          stream.resume();
          stream.on('end', () => {
            const error = Object.assign(new Error('try again later'), { responseCode: 451 });
            callback(error);
          });
          return;
        }
        simpleParser(stream)
          .then((mail) => {
            this.email.record(mail.messageId ?? `unkeyed-${this.email.accepted}`);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    // A sender killed mid-session resets its connection: that is the drill, not a failure.
    this.smtp.on('error', () => {});
    await new Promise<void>((resolve) => this.smtp?.listen(0, '127.0.0.1', resolve));
    this.smtpPort = (this.smtp.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.http ? this.http.close(() => resolve()) : resolve(),
    );
    this.http?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.smtp ? this.smtp.close(() => resolve()) : resolve(),
    );
  }
}
