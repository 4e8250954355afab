/**
 * Issue 19 item 4 (files out) and item 5: an agent's answer from the console with a PDF reaches
 * the customer's real Dovecot mailbox as an email attachment, and mailparser reads it back byte
 * for byte. The customer writes by email (LMTP into Dovecot, read by the channel's own IMAP
 * poller); the agent uploads and answers through the admin API.
 */
import { randomBytes } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDovecot, type LocalDovecot } from '../../../src/local/dovecot.ts';
import { DeskHarness } from '../../desk/harness.ts';
import { newAgentAnswersWithFile } from '../../support/file-link.ts';
import { waitFor } from '../../support/gateway.ts';
import {
  dovecotMailEnv,
  mailContaining,
  lmtpTransport,
  PASSWORD,
  plainMail,
  ticketsOf,
} from './mail-helpers.ts';

const SUPPORT = 'support@example.test';
const CUSTOMER = 'kim@customer.example';
const ANSWER = 'Hello Kim, your invoice is attached.';
/** A PDF with every byte value in it, so any re-encoding shows. */
const PDF = Buffer.concat([
  Buffer.from('%PDF-1.7\n'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  randomBytes(2048),
  Buffer.from('\n%%EOF\n'),
]);
const INVOICE = { name: 'Rechnung März.pdf', type: 'application/pdf', bytes: PDF };

let h: DeskHarness;
let dovecot: LocalDovecot;
let lmtp: Transporter;

beforeAll(async () => {
  dovecot = await startLocalDovecot({
    users: [
      { name: 'support', password: PASSWORD },
      { name: 'kim', password: PASSWORD },
    ],
  });
  h = await DeskHarness.start({ env: dovecotMailEnv(dovecot, { address: SUPPORT }) });
  lmtp = lmtpTransport(dovecot);
});

afterAll(async () => {
  lmtp?.close();
  await h?.stop();
  await dovecot?.stop();
});

describe('an agent answers by email with a file', () => {
  it('delivers the PDF as an attachment, byte for byte', async () => {
    const mail = plainMail({ from: CUSTOMER, to: SUPPORT, subject: 'Invoice please' });
    await lmtp.sendMail({ envelope: { from: CUSTOMER, to: [SUPPORT] }, raw: mail.raw });
    const ticket = await waitFor(async () => (await ticketsOf(h.gateway, CUSTOMER))[0], {
      what: "the customer's ticket",
    });
    const ticketId = String(ticket._id);
    await h.cardFor('Customer');

    await newAgentAnswersWithFile(h, 'eve', ticketId, ANSWER, INVOICE);

    const received = await mailContaining(dovecot, 'kim', ANSWER);
    expect(received.attachments).toHaveLength(1);
    const [file] = received.attachments;
    expect(file?.filename).toBe('Rechnung März.pdf');
    expect(file?.contentType).toBe('application/pdf');
    expect(Buffer.compare(file!.content, PDF)).toBe(0);
    // A channel that carries files sends no links instead.
    expect(received.text).not.toContain('cannot carry files');
  }, 60_000);
});
