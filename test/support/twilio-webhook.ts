import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';
import twilio from 'twilio';

/** Twilio's account and numbers the tests' SMS channel is configured with. */
export interface SmsSettings {
  accountSid: string;
  authToken: string;
  ourNumber: string;
  publicUrl: string;
}

/** The Twilio account and numbers the tests' gateways use, unless a test needs its own. */
export const TEST_SMS: SmsSettings = {
  accountSid: 'AC0123456789abcdef0123456789abcdef',
  authToken: 'test-auth-token-0123456789abcdef',
  ourNumber: '+14155550100',
  publicUrl: 'https://support.example.test',
};

/** The SMS channel's variables for `settings`, sending to the Twilio stand-in at `apiBaseUrl`. */
export function smsEnv(settings: SmsSettings, apiBaseUrl: string): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: settings.accountSid,
    TWILIO_AUTH_TOKEN: settings.authToken,
    TWILIO_FROM_NUMBER: settings.ourNumber,
    SMS_PUBLIC_URL: settings.publicUrl,
    TWILIO_API_BASE_URL: apiBaseUrl,
  };
}

/**
 * Posts a customer's text to the SMS webhook as Twilio does: form-encoded, signed with the auth
 * token over the public URL (the real SDK's signature). Answers the HTTP status.
 */
export async function customerTexts(
  http: Server | Parameters<typeof request>[0],
  settings: SmsSettings,
  from: string,
  body: string,
): Promise<number> {
  const form = {
    AccountSid: settings.accountSid,
    From: from,
    To: settings.ourNumber,
    Body: body,
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    NumMedia: '0',
    NumSegments: '1',
  };
  const url = `${settings.publicUrl}/channels/sms/twilio`;
  const res = await request(http)
    .post('/channels/sms/twilio')
    .type('form')
    .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(settings.authToken, url, form))
    .send(form);
  return res.status;
}
