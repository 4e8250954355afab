import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Callback signatures, in the style Stripe made familiar: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>">`. Signing the timestamp with the body lets receivers refuse replays.
 */
export const SIGNATURE_HEADER = 'x-switchboard-signature';
export const DELIVERY_HEADER = 'x-switchboard-delivery';

export function signPayload(secret: string, body: string, timestamp: number): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/**
 * Checks a signature header as a receiver would: constant-time compare, and a timestamp no older
 * than `toleranceSeconds`. Exported for integrators' reference and for our tests.
 */
export function verifySignature(options: {
  secret: string;
  body: string;
  header: string | undefined;
  toleranceSeconds?: number;
  now?: number;
}): boolean {
  if (!options.secret || !options.header) return false;
  const parts = new Map(
    options.header.split(',').map((part) => {
      const [key, ...rest] = part.split('=');
      return [key?.trim() ?? '', rest.join('=')] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const signature = parts.get('v1');
  if (!Number.isInteger(timestamp) || !signature) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(
    signPayload(options.secret, options.body, timestamp).split('v1=')[1] ?? '',
    'hex',
  );
  const presented = Buffer.from(signature, 'hex');
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
