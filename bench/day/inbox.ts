/**
 * The customers' side of each channel during the support day: the API integration's webhook,
 * Twilio's REST API (message create and the Messages list) and an SMTP server. Every answer is
 * kept under its recipient (API user id, phone number, email address) in arrival order, so each
 * simulated customer reads what it was sent; and under its idempotency key, so an answer that
 * arrives twice is counted (the API integration de-duplicates on X-Switchboard-Delivery, as its
 * contract asks; Twilio and mail recipients cannot).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import {
  createdResource,
  messagesPage,
  newTwilioMessage,
  type TwilioMessage,
} from '../../test/support/twilio-api.ts';

export interface Received {
  text: string;
  at: number;
  /** Email: our Message-ID and subject, to reply in the thread as a mail client does. */
  messageId?: string;
  subject?: string;
}

export class DayInbox {
  private readonly byRecipient = new Map<string, Received[]>();
  /** When each idempotency key was last delivered. */
  private readonly keys = new Map<string, number>();
  private readonly twilioMessages: TwilioMessage[] = [];
  private http: Server | undefined;
  private smtp: SMTPServer | undefined;
  httpPort = 0;
  smtpPort = 0;

  /** What `recipient` was sent so far. */
  of(recipient: string): readonly Received[] {
    return this.byRecipient.get(recipient) ?? [];
  }

  /** Answers delivered more than once where the recipient would see each (SMS, email). */
  duplicates = 0;

  /**
   * `repeatWindowMs`: Twilio has no idempotency key, so an SMS is keyed by number and text, and a
   * repeat within this window (a retried send) is a duplicate; later, the same text is a new
   * message (a returning customer is asked for a rating again).
   */
  record(
    recipient: string,
    key: string,
    received: Received,
    dropsRepeats: boolean,
    repeatWindowMs = Number.POSITIVE_INFINITY,
  ): void {
    const last = this.keys.get(key);
    this.keys.set(key, received.at);
    if (last !== undefined && received.at - last < repeatWindowMs) {
      if (!dropsRepeats) this.duplicates += 1;
      return;
    }
    const list = this.byRecipient.get(recipient) ?? [];
    list.push(received);
    this.byRecipient.set(recipient, list);
  }

  async start(): Promise<void> {
    this.http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const isTwilio = (req.url ?? '').includes('/Messages.json');
        if (isTwilio && req.method === 'GET') {
          const url = new URL(req.url ?? '/', 'http://twilio.invalid');
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(messagesPage(this.twilioMessages, url)));
          return;
        }
        if (isTwilio) {
          const form = Object.fromEntries(new URLSearchParams(body));
          const message = newTwilioMessage(form);
          this.twilioMessages.push(message);
          const to = form['To'] ?? '';
          this.record(
            to,
            `${to}|${form['Body']}`,
            { text: form['Body'] ?? '', at: Date.now() },
            false,
            60_000,
          );
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify(createdResource(message)));
          return;
        }
        const payload = JSON.parse(body || '{}') as { to?: { id?: string }; text?: string };
        const delivery = req.headers['x-switchboard-delivery'];
        this.record(
          payload.to?.id ?? '',
          typeof delivery === 'string' ? delivery : `api-${Date.now()}-${Math.random()}`,
          { text: payload.text ?? '', at: Date.now() },
          true,
        );
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
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            const to = session.envelope.rcptTo[0]?.address.toLowerCase() ?? '';
            const messageId = mail.messageId ?? `unkeyed-${Date.now()}`;
            this.record(
              to,
              messageId,
              {
                text: mail.text ?? '',
                at: Date.now(),
                messageId,
                ...(mail.subject ? { subject: mail.subject } : {}),
              },
              false,
            );
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
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
