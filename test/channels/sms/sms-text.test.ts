import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { complianceKeyword, optedOutReason } from '../../../channels/sms/compliance.ts';
import { loadSmsConfig } from '../../../channels/sms/config.ts';
import { normalizeTwilioMessage, toE164 } from '../../../channels/sms/normalize.ts';
import { smsBodyFor } from '../../../channels/sms/send.ts';
import { countSegments, fitSegments, markdownToSms } from '../../../channels/sms/text.ts';
import { isSwitchboardError } from '../../../src/domain/errors.ts';
import { InboundMessageSchema, OutboundMessageSchema } from '../../../src/domain/message.ts';

function fixture(name: string): Record<string, string> {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/sms/${name}`, import.meta.url), 'utf8'),
  ) as Record<string, string>;
}

describe('sms text shaping', () => {
  describe('when the answer is markdown', () => {
    it('strips the markup and keeps links as URLs', () => {
      const text = markdownToSms(
        '## Reset your password\n\n1. Open **Settings** > _Security_\n* Click `Reset`\n\nSee [the guide](https://help.example.com/reset) or <https://example.com/x_y>.',
      );
      expect(text).toBe(
        'Reset your password\n\n1. Open Settings > Security\n- Click Reset\n\nSee the guide (https://help.example.com/reset) or https://example.com/x_y.',
      );
    });
  });

  describe('when counting segments', () => {
    it('counts GSM-7 in septets (extension characters twice) and UCS-2 in code units', () => {
      expect(countSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1 });
      expect(countSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2 });
      expect(countSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1 });
      expect(countSegments('€'.repeat(81))).toEqual({ encoding: 'GSM-7', segments: 2 });
      expect(countSegments('你'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1 });
      expect(countSegments('你'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2 });
      expect(countSegments(`${'a'.repeat(100)}😀`)).toEqual({ encoding: 'UCS-2', segments: 2 });
    });
  });

  describe('when the text is longer than the segment budget', () => {
    it('cuts GSM-7 text to the budget with the link to the full article', () => {
      const long = 'word '.repeat(200).trim();
      const cut = fitSegments(long, { maxSegments: 2, moreUrl: 'https://help.example.com/a/1' });
      expect(cut.endsWith('... https://help.example.com/a/1')).toBe(true);
      expect(countSegments(cut)).toEqual({ encoding: 'GSM-7', segments: 2 });
      expect(cut.length).toBeGreaterThan(280);
      expect(cut.length).toBeLessThanOrEqual(306);
    });

    it('cuts UCS-2 text at 67 code units a segment and never inside a surrogate pair', () => {
      const cut = fitSegments('😀'.repeat(200), { maxSegments: 3 });
      expect(countSegments(cut).segments).toBe(3);
      expect(cut.length).toBeLessThanOrEqual(201);
      expect(cut).toMatch(/^(😀)+\.\.\.$/u);
    });

    it('keeps the closing question of a message that waits for a reply, after the link', () => {
      const question = '这个回答解决您的问题了吗？请回复“是”或“否”。';
      const body = smsBodyFor(
        {
          messageId: 'm1',
          ticketId: 't1',
          channel: 'sms',
          threadKey: 'k',
          to: { kind: 'phone', value: '+15550100000' },
          author: { kind: 'bot' },
          text: `${'积分说明。'.repeat(80)}\n\n${question}`,
          articleUrl: 'https://shop.example/help/points?lang=zh',
          choices: ['是', '否'],
          channelData: {},
        },
        3,
      );
      expect(body.endsWith(`... https://shop.example/help/points?lang=zh\n\n${question}`)).toBe(
        true,
      );
      expect(countSegments(body).segments).toBeLessThanOrEqual(3);
    });

    it('leaves text within the budget untouched', () => {
      expect(fitSegments('short', { maxSegments: 1, moreUrl: 'https://x.test' })).toBe('short');
    });

    it('builds the body from the markdown source and cuts it', () => {
      const message = OutboundMessageSchema.parse({
        messageId: 'sb.x',
        ticketId: 't',
        channel: 'sms',
        threadKey: 'k',
        to: { kind: 'phone', value: '+14155550123' },
        author: { kind: 'bot' },
        text: 'plain',
        markdown: `**Bold** ${'long text '.repeat(100)}`,
      });
      const body = smsBodyFor(message, 1);
      expect(body.startsWith('Bold long text')).toBe(true);
      expect(countSegments(body).segments).toBe(1);
    });
  });
});

describe('sms compliance keywords', () => {
  it.each([
    ['STOP', 'opt-out', 'STOP'],
    [' stop ', 'opt-out', 'STOP'],
    ['Unsubscribe', 'opt-out', 'UNSUBSCRIBE'],
    ['quit!', 'opt-out', 'QUIT'],
    ['退订', 'opt-out', '退订'],
    ['取消', 'opt-out', '取消'],
    ['start', 'opt-in', 'START'],
    ['Yes', 'opt-in', 'YES'],
    ['help', 'help', 'HELP'],
  ])('reads %j as %s', (body, kind, keyword) => {
    expect(complianceKeyword(body)).toEqual({ kind, keyword });
  });

  it('ignores keywords inside a longer message', () => {
    expect(complianceKeyword('please stop sending me bills')).toBeUndefined();
    expect(complianceKeyword('I need help')).toBeUndefined();
  });

  it('gives the opt-out reason with the keyword and time', () => {
    expect(optedOutReason({ keyword: 'STOP', at: new Date('2026-11-25T14:00:00Z') })).toBe(
      'recipient opted out (STOP at 2026-11-25T14:00:00.000Z)',
    );
  });
});

describe('sms normalize', () => {
  it('reads national numbers in the default country and keeps short codes as sent', () => {
    expect(toE164('(415) 555-0123', 'US')).toBe('+14155550123');
    expect(toE164('+8613800138000', 'US')).toBe('+8613800138000');
    expect(toE164('010 6552 9988', 'CN')).toBe('+861065529988');
    expect(toE164('72345', 'US')).toBe('72345');
  });

  describe('when given recorded Twilio payloads', () => {
    it('normalizes an SMS with the MessageSid as key and both numbers as thread', () => {
      const message = InboundMessageSchema.parse(
        normalizeTwilioMessage(fixture('inbound-sms.json'), {
          defaultCountry: 'US',
          receivedAt: new Date(0),
        }),
      );
      expect(message).toMatchObject({
        channel: 'sms',
        channelMessageId: 'SM1f0e2d3c4b5a69788796a5b4c3d2e1f0',
        threadKey: '+14155550123/+14155550100',
        from: { identity: { kind: 'phone', value: '+14155550123' } },
        text: 'Hi, how do I reset my password?',
        attachments: [],
        channelData: { smsTo: '+14155550100' },
      });
    });

    it('records MMS media as attachment metadata', () => {
      const message = InboundMessageSchema.parse(
        normalizeTwilioMessage(fixture('inbound-mms.json'), {
          defaultCountry: 'US',
          receivedAt: new Date(0),
        }),
      );
      expect(message.attachments).toEqual([
        {
          name: 'ME0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          contentType: 'image/jpeg',
          size: 0,
          url: fixture('inbound-mms.json')['MediaUrl0'],
        },
        {
          name: 'ME9f8e7d6c5b4a39281706f5e4d3c2b1a0',
          contentType: 'image/png',
          size: 0,
          url: fixture('inbound-mms.json')['MediaUrl1'],
        },
      ]);
    });
  });
});

describe('sms config', () => {
  const base = {
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789',
    TWILIO_FROM_NUMBER: '+14155550100',
    SMS_PUBLIC_URL: 'https://sb.example.test/',
  };

  it('is off when TWILIO_ACCOUNT_SID is unset', () => {
    expect(loadSmsConfig({ TWILIO_AUTH_TOKEN: 'x' })).toBeUndefined();
  });

  it('applies the defaults', () => {
    expect(loadSmsConfig(base)).toMatchObject({
      SMS_PUBLIC_URL: 'https://sb.example.test',
      SMS_DEFAULT_COUNTRY: 'US',
      SMS_MAX_SEGMENTS: 4,
    });
  });

  it.each([
    [{ TWILIO_FROM_NUMBER: '' }, 'TWILIO_FROM_NUMBER'],
    [{ SMS_PUBLIC_URL: '' }, 'SMS_PUBLIC_URL'],
    [{ SMS_DEFAULT_COUNTRY: 'XX' }, 'SMS_DEFAULT_COUNTRY'],
    [{ TWILIO_AUTH_TOKEN: '' }, 'TWILIO_AUTH_TOKEN'],
  ])('refuses %j naming %s', (override, variable) => {
    let caught: unknown;
    try {
      loadSmsConfig({ ...base, ...override });
    } catch (error) {
      caught = error;
    }
    expect(isSwitchboardError(caught) && caught.code === 'SB_ERR_CONFIG' && caught.field).toBe(
      variable,
    );
  });
});
