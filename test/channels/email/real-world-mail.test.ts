/**
 * Issue 22, items 1–3, at the parser: real shapes of mail built as real MIME (nodemailer's
 * MailComposer, hand-written source where it cannot). HTML-only bodies nested in multipart/related
 * or multipart/mixed keep their text; read receipts and abuse reports are automated mail; a bounce
 * without From or with a base64 report still names its failed recipient.
 */
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { describe, expect, it } from 'vitest';
import { extractNewText, parseEmail } from '../../../channels/email/parse.ts';

function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

const HTML =
  '<div><p>Hello, my order <b>#5512</b> arrived with a cracked screen.</p><p>Can I get a replacement?</p><img src="cid:logo"></div>';

describe('HTML-only mail', () => {
  it('reads the body of HTML with inline images (multipart/related), not only the subject', async () => {
    const source = await compose({
      from: 'ada@example.test',
      to: 'support@shop.test',
      subject: 'RE[4]: your order',
      html: HTML,
      attachments: [
        {
          filename: 'logo.png',
          content: Buffer.from('png!'),
          cid: 'logo',
          contentType: 'image/png',
        },
      ],
    });
    expect(source.toString()).toContain('multipart/related');
    const mail = await parseEmail(source);
    expect(mail.text).toContain('arrived with a cracked screen');
    expect(mail.text).toContain('Can I get a replacement?');
    expect(mail.newText).toContain('cracked screen');
  });

  it('reads the body of HTML beside a PDF (multipart/mixed)', async () => {
    const source = await compose({
      from: 'ada@example.test',
      to: 'support@shop.test',
      subject: 'invoice question',
      html: '<p>The attached invoice charges VAT twice.</p>',
      attachments: [
        {
          filename: 'invoice.pdf',
          content: Buffer.from('%PDF-1.4'),
          contentType: 'application/pdf',
        },
      ],
    });
    const mail = await parseEmail(source);
    expect(mail.text).toBe('The attached invoice charges VAT twice.');
    expect(mail.attachments.map((a) => a.name)).toEqual(['invoice.pdf']);
  });
});

describe('forwarded mail', () => {
  it('keeps what the customer forwards, marked, and still cuts reply history', () => {
    const forwarded = [
      'Please look at this, the parcel never came.',
      '',
      '---------- Forwarded message ---------',
      'From: Carrier <noreply@carrier.example>',
      'Date: Mon, 1 Dec 2026 at 10:00',
      'Subject: Delivery failed',
      'To: <ada@example.test>',
      '',
      'We could not deliver parcel 00340434 and returned it to the sender.',
    ].join('\n');
    const kept = extractNewText(forwarded);
    expect(kept).toContain('---------- Forwarded message ---------');
    expect(kept).toContain('returned it to the sender');
    for (const marker of ['Begin forwarded message:', '-------- 转发的邮件 --------']) {
      expect(
        extractNewText(`FYI\n\n${marker}\nFrom: shop\nDate: today\n\nYour order shipped.`),
      ).toContain('Your order shipped.');
    }
    // A reply's history is still cut.
    expect(extractNewText('Thanks!\n\nOn Mon, 1 Dec 2026, Support wrote:\n> old answer')).toBe(
      'Thanks!',
    );
  });
});

function report(type: string, from: string | undefined, part: string): Buffer {
  return Buffer.from(
    [
      ...(from ? [`From: ${from}`] : []),
      'To: support@shop.test',
      'Subject: Read: Your order [#T-12]',
      'Message-ID: <report-1@example.test>',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=${type}; boundary="b1"`,
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This is an automatically generated report.',
      '--b1',
      part,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

describe('automated reports', () => {
  it('records a read receipt (MDN) as automated, never to be answered', async () => {
    const mail = await parseEmail(
      report(
        'disposition-notification',
        'ada@example.test',
        'Content-Type: message/disposition-notification\r\n\r\nDisposition: manual-action/MDN-sent-manually; displayed',
      ),
    );
    expect(mail.loop?.reason).toBe('read-receipt');
  });

  it('records an abuse feedback report (ARF) as automated', async () => {
    const mail = await parseEmail(
      report(
        'feedback-report',
        'abuse@mailbox.example',
        'Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: x/1.0\r\nVersion: 1',
      ),
    );
    expect(mail.loop?.reason).toBe('feedback-report');
  });

  it('reads a bounce without From, and one whose report part is base64', async () => {
    const plainReport =
      'Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; gone@customer.test\r\nAction: failed\r\nStatus: 5.1.1';
    const noFrom = await parseEmail(report('delivery-status', undefined, plainReport));
    expect(noFrom.from).toBeUndefined();
    expect(noFrom.loop?.reason).toBe('bounce');
    expect(noFrom.failedRecipients).toEqual(['gone@customer.test']);

    const encoded = Buffer.from(
      'Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; moved@customer.test\r\nAction: failed\r\nStatus: 5.1.1\r\n',
    ).toString('base64');
    const b64 = await parseEmail(
      report(
        'delivery-status',
        'MAILER-DAEMON@mx.example',
        `Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n${encoded}`,
      ),
    );
    expect(b64.loop?.reason).toBe('bounce');
    expect(b64.failedRecipients).toEqual(['moved@customer.test']);
  });
});
