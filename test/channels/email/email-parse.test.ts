import { describe, expect, it } from 'vitest';
import {
  extractNewText,
  parseEmail,
  sanitizeEmailHtml,
  ticketTag,
} from '../../../channels/email/parse.ts';
import { replySubject } from '../../../channels/email/send.ts';

function raw(headers: string[], body: string): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

describe('email parse', () => {
  describe('when a reply quotes history and has a signature', () => {
    it('keeps only the new words as newText', () => {
      expect(
        extractNewText('Thanks, works now.\n\nOn Mon, 1 Jan 2026, Support wrote:\n> Try again'),
      ).toBe('Thanks, works now.');
      expect(extractNewText('Danke!\n\nAm 01.01.2026 schrieb Support <s@x.test>:\n> alt')).toBe(
        'Danke!',
      );
      expect(extractNewText('好的，谢谢\n\n在 2026年1月1日，Support 写道：\n> 旧')).toBe(
        '好的，谢谢',
      );
      expect(extractNewText('Hi\n-- \nAda\nACME')).toBe('Hi');
      expect(
        extractNewText('Reply\n\nFrom: Support <s@x.test>\nSent: Monday\nSubject: Re: x\n\nold'),
      ).toBe('Reply');
      expect(extractNewText('> all quoted\n> nothing new')).toBe('> all quoted\n> nothing new');
    });
  });

  describe('when mail comes from machines', () => {
    it('classifies Auto-Submitted, Precedence, List-* and bounces; Auto-Submitted: no passes', async () => {
      const base = ['From: a@example.test', 'Subject: x', 'Message-ID: <m1@example.test>'];
      const loop = async (extra: string[]) =>
        (await parseEmail(raw([...base, ...extra], 'body'))).loop?.reason;
      expect(await loop(['Auto-Submitted: auto-generated'])).toBe('auto-submitted');
      expect(await loop(['Auto-Submitted: no'])).toBeUndefined();
      expect(await loop(['Precedence: junk'])).toBe('bulk');
      expect(await loop(['List-Unsubscribe: <mailto:u@l.test>'])).toBe('mailing-list');
      expect(await loop(['X-Failed-Recipients: gone@example.test'])).toBe('bounce');
      expect(await loop([])).toBeUndefined();
    });
  });

  describe('when a mail has no Message-ID', () => {
    it('keys it by a stable hash of the envelope and bytes', async () => {
      const mail = raw(['From: a@example.test', 'Subject: no id'], 'hello');
      const first = await parseEmail(mail);
      const again = await parseEmail(mail);
      expect(first.messageId).toBeUndefined();
      expect(first.key).toMatch(/^h[0-9a-f]{40}$/);
      expect(again.key).toBe(first.key);
    });
  });

  it('sanitizes HTML: no scripts, no images, safe links only', () => {
    expect(
      sanitizeEmailHtml(
        '<p onclick="x()">Hi <img src="http://t.test/p.gif"><a href="javascript:x()">a</a><script>x()</script></p>',
      ),
    ).toBe('<p>Hi <a>a</a></p>');
  });

  it('builds reply subjects with one Re: and one ticket tag', () => {
    expect(replySubject('Where is my order?', 12)).toBe('Re: Where is my order? [#T-12]');
    expect(replySubject('RE: AW: Re: Refund [#T-12]', 12)).toBe('Re: Refund [#T-12]');
    expect(replySubject(undefined, undefined)).toBe('Re: Your message');
    expect(ticketTag('Re: Refund [#T-12]')).toBe(12);
    expect(ticketTag('no tag')).toBeUndefined();
  });
});
