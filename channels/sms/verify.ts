import twilio from 'twilio';
import { SwitchboardError } from '../../src/domain/errors.ts';

/**
 * Checks `X-Twilio-Signature` with the SDK's own `validateRequest` (HMAC-SHA1 over the URL Twilio
 * called plus the sorted POST parameters; constant-time compare). The URL is rebuilt from the
 * configured public base and the path as received — never from the Host header, which a proxy
 * rewrites. Fails closed: a missing token, header or a mismatch is SB_ERR_FORBIDDEN.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export function verifyTwilioRequest(input: {
  authToken: string;
  publicBaseUrl: string;
  /** The request's path and query as received (Express `req.originalUrl`). */
  originalUrl: string;
  signature: string | string[] | undefined;
  params: Record<string, unknown>;
}): void {
  const signature = typeof input.signature === 'string' ? input.signature : undefined;
  if (input.authToken === '')
    throw new SwitchboardError('SB_ERR_FORBIDDEN', 'Twilio auth token not configured');
  if (!signature) throw new SwitchboardError('SB_ERR_FORBIDDEN', 'missing X-Twilio-Signature');
  const url = `${input.publicBaseUrl}${input.originalUrl}`;
  if (!twilio.validateRequest(input.authToken, signature, url, input.params)) {
    throw new SwitchboardError('SB_ERR_FORBIDDEN', 'invalid X-Twilio-Signature');
  }
}
