import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { SwitchboardError } from '../../src/domain/errors.ts';

/** A user the host site vouches for: its own id, and what it signed about them. */
export interface SignedUser {
  /** The site's user id (stable across browsers and devices). */
  id: string;
  /** Lower-case. */
  email?: string;
  /** E.164. */
  phone?: string;
  name?: string;
}

// Control characters are refused in ids: the user hash joins id and email with a newline, which
// is unambiguous only while neither can contain one.
const UserIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]+$/u, 'no control characters');
const NameSchema = z.string().trim().min(1).max(200);
const RawEmailSchema = z.string().max(254);
const RawPhoneSchema = z.string().max(32);

/**
 * What the chat page passes for a signed user: the user hash form (id, email, name, and `hash`,
 * hex HMAC-SHA256 over `id + "\n" + email`) or an HS256 JWT (`jwt`). Bounded before any crypto.
 */
export const SignedUserInputSchema = z.union([
  z
    .object({
      id: UserIdSchema,
      email: RawEmailSchema.optional(),
      name: NameSchema.optional(),
      hash: z.string().max(128),
    })
    .strict(),
  z.object({ jwt: z.string().min(1).max(4096) }).strict(),
]);
export type SignedUserInput = z.infer<typeof SignedUserInputSchema>;

/** The claims of a signed-user JWT the gateway reads; others are ignored. */
const JwtClaimsSchema = z.object({
  sub: UserIdSchema,
  email: RawEmailSchema.optional(),
  phone: RawPhoneSchema.optional(),
  name: NameSchema.optional(),
  exp: z.number(),
});

/** The secret and limits signed users are checked with. */
export interface SignedUserKey {
  secret: string;
  /** Longest a JWT may still be valid for, from now, in seconds. */
  jwtMaxAgeSeconds: number;
}

const CLOCK_TOLERANCE_SECONDS = 30;

function refused(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_ERR_IDENTITY_INVALID', message, {
    field: 'user',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The user hash a site computes for a user: hex HMAC-SHA256, keyed with WEBCHAT_IDENTITY_SECRET,
 * over the UTF-8 bytes of `id`, a newline, and `email` exactly as passed (empty when none).
 */
export function userHash(secret: string, id: string, email: string | undefined): string {
  return createHmac('sha256', secret)
    .update(`${id}\n${email ?? ''}`, 'utf8')
    .digest('hex');
}

/** Constant-time check of a hex user hash (a wrong length or non-hex is simply wrong). */
function hashMatches(expectedHex: string, givenHex: string): boolean {
  const wellFormed = /^[0-9a-f]{64}$/i.test(givenHex);
  // Compared even when malformed (against zeros), so the time says nothing about the input.
  const given = wellFormed ? Buffer.from(givenHex, 'hex') : Buffer.alloc(32);
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), given) && wellFormed;
}

/** The email as stored: trimmed, lower-case, and a valid address (400 otherwise). */
function normalEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!z.string().email().safeParse(email).success) {
    throw new SwitchboardError('SB_ERR_VALIDATION', 'user.email: not a valid email address', {
      field: 'user.email',
    });
  }
  return email;
}

/** The phone in E.164 (an international number with its +; 400 otherwise). */
function normalPhone(raw: string): string {
  const phone = parsePhoneNumberFromString(raw.trim());
  if (!raw.trim().startsWith('+') || phone === undefined || !phone.isValid()) {
    throw new SwitchboardError(
      'SB_ERR_VALIDATION',
      'user.phone: not a valid international number (E.164, e.g. +14155550123)',
      { field: 'user.phone' },
    );
  }
  return phone.number;
}

function signedUser(fields: {
  id: string;
  email?: string | undefined;
  phone?: string | undefined;
  name?: string | undefined;
}): SignedUser {
  return {
    id: fields.id,
    ...(fields.email === undefined || fields.email === ''
      ? {}
      : { email: normalEmail(fields.email) }),
    ...(fields.phone === undefined || fields.phone === ''
      ? {}
      : { phone: normalPhone(fields.phone) }),
    ...(fields.name === undefined ? {} : { name: fields.name }),
  };
}

/**
 * Checks a signed user against the site's secret. The user hash covers the id and the email (the
 * name is display only); a JWT must be HS256, unexpired, and expire within the configured max age
 * from now (a leaked token stops working soon). Fails with SB_ERR_IDENTITY_INVALID (401); a
 * correctly signed but malformed email or phone is SB_ERR_VALIDATION (400).
 */
export async function verifySignedUser(
  input: SignedUserInput,
  key: SignedUserKey,
  now: Date = new Date(),
): Promise<SignedUser> {
  if ('hash' in input) {
    if (!hashMatches(userHash(key.secret, input.id, input.email), input.hash)) {
      throw refused('user.hash: does not match the user id and email');
    }
    return signedUser(input);
  }
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(input.jwt, new TextEncoder().encode(key.secret), {
      // Pinned: `none` and every other algorithm are refused before the signature is read.
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw refused('user.jwt: expired', error);
    throw refused('user.jwt: invalid signature, algorithm or claims', error);
  }
  const claims = JwtClaimsSchema.safeParse(payload);
  if (!claims.success) throw refused('user.jwt: sub, email, phone or name malformed');
  const latest = Math.floor(now.getTime() / 1000) + key.jwtMaxAgeSeconds + CLOCK_TOLERANCE_SECONDS;
  if (claims.data.exp > latest) {
    throw refused(`user.jwt: exp is more than ${key.jwtMaxAgeSeconds} s away`);
  }
  return signedUser({ ...claims.data, id: claims.data.sub });
}
