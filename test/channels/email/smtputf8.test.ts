/**
 * Issue 22 item 5: a reply to a non-ASCII address (`jdöe@mächine.example`). Through the product's
 * own SMTP transport against real SMTP servers: one offering SMTPUTF8 takes the reply (nodemailer
 * asks for it); one without refuses the address as strict servers do (501 5.5.4), and the delivery
 * error says why in words an agent can act on, instead of the bare refusal.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmailConfig } from '../../../channels/email/config.ts';
import { createSmtpTransport, emailDeliveryError } from '../../../channels/email/send.ts';

const CUSTOMER = 'jdöe@mächine.example';

interface Served {
  server: SMTPServer;
  port: number;
  recipients: string[];
}

async function serve(options: Partial<SMTPServerOptions>): Promise<Served> {
  const recipients: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, session, callback) {
      // A server without SMTPUTF8 refuses an address it cannot carry (RFC 6531 §3.4).
      if (options.hideSMTPUTF8 && /[^ -~]/.test(address.address)) {
        const refused = Object.assign(new Error('5.5.4 Invalid recipient address syntax'), {
          responseCode: 501,
        });
        callback(refused);
        return;
      }
      recipients.push(address.address);
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
    ...options,
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.server.address() as AddressInfo).port, recipients };
}

function transportTo(port: number) {
  const config = loadEmailConfig({
    EMAIL_IMAP_HOST: '127.0.0.1',
    EMAIL_IMAP_USER: 'support',
    EMAIL_IMAP_PASSWORD: 'pw',
    EMAIL_SMTP_HOST: '127.0.0.1',
    EMAIL_SMTP_PORT: String(port),
    EMAIL_SMTP_TLS: 'none',
    EMAIL_ADDRESS: 'support@example.test',
  });
  return createSmtpTransport(config!);
}

const reply = { from: 'support@example.test', to: CUSTOMER, subject: 'Re: order', text: 'Hello' };

let withUtf8: Served;
let without: Served;

beforeAll(async () => {
  withUtf8 = await serve({});
  without = await serve({ hideSMTPUTF8: true });
});

afterAll(async () => {
  for (const s of [withUtf8, without])
    await new Promise<void>((resolve) => s.server.close(() => resolve()));
});

describe('a reply to a non-ASCII address', () => {
  it('goes out with SMTPUTF8 when the server offers it', async () => {
    const transport = transportTo(withUtf8.port);
    try {
      await transport.sendMail(reply);
    } finally {
      transport.close();
    }
    expect(withUtf8.recipients).toEqual([CUSTOMER]);
  });

  it('fails for good with a reason the agent can act on when the server does not', async () => {
    const transport = transportTo(without.port);
    let failure: unknown;
    try {
      await transport.sendMail(reply);
    } catch (error) {
      failure = error;
    } finally {
      transport.close();
    }
    expect(failure).toBeDefined();
    const error = emailDeliveryError(failure, CUSTOMER);
    expect(error.code).toBe('SB_ERR_DELIVERY_REJECTED');
    expect(error.message).toContain('non-ASCII characters');
    expect(error.message).toContain('SMTPUTF8');
    expect(error.message).toContain('ask the customer for another address');
    // An ordinary address refused is reported as it was.
    const plain = emailDeliveryError(failure, 'ada@example.test');
    expect(plain.message).not.toContain('SMTPUTF8');
  });
});
