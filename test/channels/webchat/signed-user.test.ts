import { execFileSync } from 'node:child_process';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  userHash,
  verifySignedUser,
  type SignedUserKey,
} from '../../../channels/webchat/signed-user.ts';
import { SwitchboardError } from '../../../src/domain/errors.ts';

const SECRET = 'site-identity-secret-0123456789abcdef';
const KEY: SignedUserKey = { secret: SECRET, jwtMaxAgeSeconds: 3600 };
const NOW = new Date('2026-06-01T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

async function jwt(
  claims: Record<string, unknown>,
  options: { secret?: string; alg?: string; exp?: number | null } = {},
): Promise<string> {
  const builder = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' });
  if (options.exp !== null) builder.setExpirationTime(options.exp ?? nowSeconds + 600);
  return builder.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** The error a rejected promise carries, as a SwitchboardError (fails the test otherwise). */
async function refusal(promise: Promise<unknown>): Promise<SwitchboardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SwitchboardError);
  return error as SwitchboardError;
}

describe('signed web chat users', () => {
  describe('when the site sends a user hash', () => {
    const hash = userHash(SECRET, 'user-42', 'Jane@Example.com');

    it('accepts the right hash and normalizes the email', async () => {
      const user = await verifySignedUser(
        { id: 'user-42', email: 'Jane@Example.com', name: 'Jane', hash },
        KEY,
        NOW,
      );
      expect(user).toEqual({ id: 'user-42', email: 'jane@example.com', name: 'Jane' });
    });

    it('accepts the hash in upper-case hex too', async () => {
      const user = await verifySignedUser(
        { id: 'user-42', email: 'Jane@Example.com', hash: hash.toUpperCase() },
        KEY,
        NOW,
      );
      expect(user.id).toBe('user-42');
    });

    it('is the hash the documented openssl command computes', () => {
      const shell = execFileSync(
        'sh',
        [
          '-c',
          `printf '%s\\n%s' "$ID" "$EMAIL" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1`,
        ],
        { env: { ...process.env, ID: 'user-42', EMAIL: 'Jane@Example.com', SECRET } },
      );
      expect(shell.toString().trim()).toBe(hash);
    });

    it('refuses a hash made with another secret (401)', async () => {
      const other = userHash('another-secret-0123456789abcdefghij', 'user-42', 'Jane@Example.com');
      const error = await refusal(
        verifySignedUser({ id: 'user-42', email: 'Jane@Example.com', hash: other }, KEY, NOW),
      );
      expect(error.code).toBe('SB_ERR_IDENTITY_INVALID');
      expect(error.httpStatus).toBe(401);
    });

    it('refuses a tampered email or id', async () => {
      for (const input of [
        { id: 'user-42', email: 'mallory@example.com', hash },
        { id: 'user-43', email: 'Jane@Example.com', hash },
        { id: 'user-42', hash },
      ]) {
        expect((await refusal(verifySignedUser(input, KEY, NOW))).code).toBe(
          'SB_ERR_IDENTITY_INVALID',
        );
      }
    });

    it('refuses a hash that is not 64 hex digits', async () => {
      for (const bad of ['', 'zz', hash.slice(0, 62), `${hash}00`, 'g'.repeat(64)]) {
        const error = await refusal(
          verifySignedUser({ id: 'user-42', email: 'Jane@Example.com', hash: bad }, KEY, NOW),
        );
        expect(error.code).toBe('SB_ERR_IDENTITY_INVALID');
      }
    });

    it('answers 400 for a correctly signed but invalid email', async () => {
      const error = await refusal(
        verifySignedUser(
          { id: 'u', email: 'not-an-email', hash: userHash(SECRET, 'u', 'not-an-email') },
          KEY,
          NOW,
        ),
      );
      expect(error.code).toBe('SB_ERR_VALIDATION');
      expect(error.field).toBe('user.email');
    });
  });

  describe('when the site sends a JWT', () => {
    it('accepts an HS256 token and normalizes email and phone', async () => {
      const token = await jwt({
        sub: 'user-42',
        email: 'JANE@example.com',
        phone: '+1 415 555 0123',
        name: 'Jane Doe',
      });
      expect(await verifySignedUser({ jwt: token }, KEY, NOW)).toEqual({
        id: 'user-42',
        email: 'jane@example.com',
        phone: '+14155550123',
        name: 'Jane Doe',
      });
    });

    it('is the token the documented shell script makes', async () => {
      const script = [
        "b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }",
        `header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)`,
        `payload=$(printf '{"sub":"%s","email":"%s","exp":%d}' "$ID" "$EMAIL" "$EXP" | b64url)`,
        `sig=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$SECRET" -binary | b64url)`,
        `echo "$header.$payload.$sig"`,
      ].join('\n');
      const token = execFileSync('sh', ['-c', script], {
        env: {
          ...process.env,
          ID: 'user-42',
          EMAIL: 'jane@example.com',
          EXP: String(nowSeconds + 600),
          SECRET,
        },
      })
        .toString()
        .trim();
      expect(await verifySignedUser({ jwt: token }, KEY, NOW)).toEqual({
        id: 'user-42',
        email: 'jane@example.com',
      });
    });

    it('refuses an expired token', async () => {
      const token = await jwt({ sub: 'user-42' }, { exp: nowSeconds - 120 });
      const error = await refusal(verifySignedUser({ jwt: token }, KEY, NOW));
      expect(error.code).toBe('SB_ERR_IDENTITY_INVALID');
      expect(error.message).toContain('expired');
    });

    it('refuses a token valid for longer than the max age', async () => {
      const token = await jwt({ sub: 'user-42' }, { exp: nowSeconds + 7200 });
      const error = await refusal(verifySignedUser({ jwt: token }, KEY, NOW));
      expect(error.message).toContain('exp is more than 3600 s away');
    });

    it('refuses a token without exp, or without sub', async () => {
      for (const token of [
        await jwt({ sub: 'user-42' }, { exp: null }),
        await jwt({ email: 'jane@example.com' }),
      ]) {
        expect((await refusal(verifySignedUser({ jwt: token }, KEY, NOW))).code).toBe(
          'SB_ERR_IDENTITY_INVALID',
        );
      }
    });

    it('refuses alg none, another algorithm, and another secret', async () => {
      const none = new UnsecuredJWT({ sub: 'user-42' })
        .setExpirationTime(nowSeconds + 600)
        .encode();
      const hs512 = await jwt({ sub: 'user-42' }, { alg: 'HS512' });
      const forged = await jwt(
        { sub: 'user-42' },
        { secret: 'attacker-secret-0123456789abcdefgh' },
      );
      for (const token of [none, hs512, forged, 'not.a.jwt']) {
        const error = await refusal(verifySignedUser({ jwt: token }, KEY, NOW));
        expect(error.code).toBe('SB_ERR_IDENTITY_INVALID');
      }
    });

    it('refuses a token whose claims are malformed (a control character in sub)', async () => {
      const token = await jwt({ sub: 'user\n42' });
      expect((await refusal(verifySignedUser({ jwt: token }, KEY, NOW))).code).toBe(
        'SB_ERR_IDENTITY_INVALID',
      );
    });

    it('answers 400 for a signed phone that is not a valid international number', async () => {
      const token = await jwt({ sub: 'user-42', phone: '555-0123' });
      const error = await refusal(verifySignedUser({ jwt: token }, KEY, NOW));
      expect(error.code).toBe('SB_ERR_VALIDATION');
      expect(error.field).toBe('user.phone');
    });
  });
});
