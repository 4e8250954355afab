/**
 * The links that confirm a claimed email (issue 19: the web chat's pre-chat form). A link is
 * `<PUBLIC_URL>/confirm-email/<nonce>.<expiry>.<signature>`: the signature is an HMAC-SHA256 over
 * the contact id, the address, the expiry and the nonce, keyed with a key derived from the
 * console's session secret (as file links are: every process of a deployment signs and checks
 * alike, without another variable). The contact id and the address are not in the link — it
 * would put personal data into URLs, logs and browser histories — but in a record in Redis under
 * the random nonce, which the signature binds: a link whose nonce, expiry or signature was
 * changed matches no record or fails the check. The record also makes the link single-use.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { sessionSecret } from '../admin/auth.ts';
import { SwitchboardError } from '../domain/errors.ts';

/** Where the links point: a public route, the link is the credential (src/http/email-confirmation.ts). */
export const CONFIRM_EMAIL_PATH = '/confirm-email';

const KEY_LABEL = 'switchboard email confirmation v1';
/**
 * How long a record outlives its link: a visitor who opens a link a little late is told it
 * expired, rather than that it is not valid.
 */
const GRACE_SECONDS = 24 * 3600;
const TOKEN = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

const RecordSchema = z.object({ contactId: z.string(), address: z.string() });

/** Why a link is refused: the page says which. */
export type RefusedBecause = 'invalid' | 'expired' | 'used';

const MESSAGES: Record<RefusedBecause, string> = {
  invalid: 'this confirmation link is not valid (it may be incomplete: copy the whole link)',
  expired: 'this confirmation link has expired: write to us in the chat again for a new one',
  used: 'this confirmation link was used already',
};

/** A link refused (SB_ERR_CONFIRMATION_INVALID), with the reason. */
export class ConfirmationRefused extends SwitchboardError {
  constructor(readonly reason: RefusedBecause) {
    super('SB_ERR_CONFIRMATION_INVALID', MESSAGES[reason]);
  }
}

/** What a valid link confirms. */
export interface PendingConfirmation {
  nonce: string;
  contactId: string;
  address: string;
  expires: number;
}

/** Where a link's record (the contact id and the address) waits, under its nonce. */
export function linkRecordKey(prefix: string, nonce: string): string {
  return `${prefix}:email-confirm:link:${nonce}`;
}

/** The nonces of a contact's links. */
export function pendingListKey(prefix: string, contactId: string): string {
  return `${prefix}:email-confirm:contact:${contactId}`;
}

export class ConfirmationLinks {
  constructor(
    private readonly deps: {
      key: Buffer;
      redis: Redis;
      prefix: string;
      /** PUBLIC_URL: links are sent by email, so they are always absolute. */
      publicUrl: string;
      seconds: number;
    },
  ) {}

  /** The links of a deployment: the key derived from the console's session secret. */
  static async create(options: {
    redis: Redis;
    prefix: string;
    sessionSecret: string | undefined;
    publicUrl: string;
    seconds: number;
  }): Promise<ConfirmationLinks> {
    const secret = await sessionSecret(options.redis, options.prefix, options.sessionSecret);
    // Derived, not the secret itself: a signature here is never a session cookie's or a file link's.
    const key = createHmac('sha256', secret).update(KEY_LABEL).digest();
    return new ConfirmationLinks({ ...options, key });
  }

  private recordKey(nonce: string): string {
    return linkRecordKey(this.deps.prefix, nonce);
  }

  private usedKey(nonce: string): string {
    return `${this.deps.prefix}:email-confirm:used:${nonce}`;
  }

  private signature(record: z.infer<typeof RecordSchema>, expires: number, nonce: string): string {
    return createHmac('sha256', this.deps.key)
      .update(`${record.contactId}\n${record.address}\n${expires}\n${nonce}`)
      .digest('base64url');
  }

  /** A new link confirming `address` for the contact, valid for the configured seconds. */
  async issue(record: { contactId: string; address: string }, now = new Date()): Promise<string> {
    const nonce = randomBytes(16).toString('base64url');
    const expires = Math.floor(now.getTime() / 1000) + this.deps.seconds;
    const ttl = this.deps.seconds + GRACE_SECONDS;
    // The contact's list of its links, so that erasing the contact finds them (personal-data.ts).
    const listed = pendingListKey(this.deps.prefix, record.contactId);
    await this.deps.redis
      .multi()
      .set(this.recordKey(nonce), JSON.stringify(record), 'EX', ttl)
      .sadd(listed, nonce)
      .expire(listed, ttl)
      .exec();
    const token = `${nonce}.${expires}.${this.signature(record, expires, nonce)}`;
    return `${this.deps.publicUrl}${CONFIRM_EMAIL_PATH}/${token}`;
  }

  /** What the link confirms; ConfirmationRefused when it is altered, expired or used. */
  async inspect(token: string, now = new Date()): Promise<PendingConfirmation> {
    const match = TOKEN.exec(token);
    if (!match) throw new ConfirmationRefused('invalid');
    const [, nonce = '', exp = '', sig = ''] = match;
    const expires = Number(exp);
    const expired = expires * 1000 <= now.getTime();
    const stored = await this.deps.redis.get(this.recordKey(nonce));
    const parsed = stored === null ? undefined : RecordSchema.safeParse(JSON.parse(stored));
    // The record is kept a day past the link: later, an old link is only known as expired.
    if (!parsed?.success) throw new ConfirmationRefused(expired ? 'expired' : 'invalid');
    const expected = Buffer.from(this.signature(parsed.data, expires, nonce));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new ConfirmationRefused('invalid');
    if ((await this.deps.redis.exists(this.usedKey(nonce))) === 1)
      throw new ConfirmationRefused('used');
    if (expired) throw new ConfirmationRefused('expired');
    return { nonce, expires, ...parsed.data };
  }

  /**
   * Takes the link for one confirmation: of two concurrent uses one wins, the other is refused
   * as used. `release` gives it back when the confirmation then fails (the visitor may retry).
   */
  async consume(
    token: string,
    now = new Date(),
  ): Promise<PendingConfirmation & { release(): Promise<void> }> {
    const pending = await this.inspect(token, now);
    const key = this.usedKey(pending.nonce);
    const ttl = Math.max(1, pending.expires - Math.floor(now.getTime() / 1000) + GRACE_SECONDS);
    if ((await this.deps.redis.set(key, '1', 'EX', ttl, 'NX')) !== 'OK')
      throw new ConfirmationRefused('used');
    return {
      ...pending,
      release: async () => {
        await this.deps.redis.del(key);
      },
    };
  }
}

/** One ConfirmationLinks per deployment, made on first use (the key may come from Redis). */
export function lazyConfirmationLinks(
  options: Parameters<typeof ConfirmationLinks.create>[0],
): () => Promise<ConfirmationLinks> {
  let made: Promise<ConfirmationLinks> | undefined;
  return () => {
    made ??= ConfirmationLinks.create(options).catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}
