/**
 * Short-lived signed links to stored attachments, for agents: the Slack thread and the console
 * show them, and whoever holds one may download that one file until it expires, without an
 * operator token or a session (Slack's link opens in a browser that has neither). The link is
 * the capability: an HMAC-SHA256 over the attachment id and the expiry, with a key derived from
 * the console's session secret (ADMIN_SESSION_SECRET, or the random one shared through Redis), so
 * every process of a deployment signs and checks alike without another variable.
 * This module is the one place that builds and checks them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import { sessionSecret } from '../admin/auth.ts';
import { SwitchboardError } from '../domain/errors.ts';
import type { PoolAttachments } from '../pool/attachments.ts';
import { contentDisposition } from './attachments-api.ts';

/** Where the links point (a public route: the signature is the credential). */
export const FILE_LINKS_PATH = '/files';

/** How long a link shown in the console lives: it is made again on every view. */
export const CONSOLE_LINK_SECONDS = 15 * 60;
/**
 * How long a link posted into a Slack thread lives: the post stays, so a day for the agents
 * working the ticket; later, the console makes a fresh one.
 */
export const SLACK_LINK_SECONDS = 24 * 60 * 60;

const KEY_LABEL = 'switchboard file links v1';
const MAX_ID = 600;

export class FileLinks {
  constructor(
    private readonly key: Buffer,
    /** PUBLIC_URL: absolute links; unset: links relative to the gateway's root. */
    private readonly publicUrl: string | undefined,
  ) {}

  /** The links of a deployment: the key derived from the console's session secret. */
  static async create(options: {
    redis: Redis;
    prefix: string;
    sessionSecret: string | undefined;
    publicUrl: string | undefined;
  }): Promise<FileLinks> {
    const secret = await sessionSecret(options.redis, options.prefix, options.sessionSecret);
    // Derived, not the secret itself: a signature here is never a valid session cookie's.
    const key = createHmac('sha256', secret).update(KEY_LABEL).digest();
    return new FileLinks(key, options.publicUrl);
  }

  /** Whether links are absolute (what a Slack post needs). */
  get absolute(): boolean {
    return this.publicUrl !== undefined;
  }

  private signature(id: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${id}\n${expires}`).digest('base64url');
  }

  /** A link to attachment `id`, valid for `seconds` from `now`. */
  linkFor(id: string, seconds: number, now = new Date()): string {
    const expires = Math.floor(now.getTime() / 1000) + seconds;
    const query = new URLSearchParams({ exp: String(expires), sig: this.signature(id, expires) });
    return `${this.publicUrl ?? ''}${FILE_LINKS_PATH}/${encodeURIComponent(id)}?${query.toString()}`;
  }

  /** Throws SB_ERR_FORBIDDEN unless `sig` signs `id` and `exp`, and `exp` is still ahead. */
  check(id: string, exp: unknown, sig: unknown, now = new Date()): void {
    const expires = typeof exp === 'string' && /^\d{1,12}$/.test(exp) ? Number(exp) : NaN;
    const given = typeof sig === 'string' && sig.length <= 64 ? Buffer.from(sig) : undefined;
    const expected = Buffer.from(this.signature(id, expires));
    if (
      id.length > MAX_ID ||
      Number.isNaN(expires) ||
      given === undefined ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      throw new SwitchboardError('SB_ERR_FORBIDDEN', 'this file link is not valid');
    }
    if (expires * 1000 <= now.getTime())
      throw new SwitchboardError('SB_ERR_FORBIDDEN', 'this file link has expired');
  }
}

/**
 * `GET /files/:id?exp=…&sig=…`: the stored bytes of a signed link's attachment, always as a
 * download, never rendered (customer content must not run as a page of our origin). 403 for an
 * expired or tampered link, 404 for a file whose content was not kept.
 */
export function fileLinksRouter(deps: {
  links: () => Promise<FileLinks>;
  attachments: Pick<PoolAttachments, 'get'>;
  now?: () => Date;
}): Router {
  const router = Router();
  router.get('/:id', async (req, res) => {
    const id = req.params['id'] ?? '';
    (await deps.links()).check(id, req.query['exp'], req.query['sig'], deps.now?.());
    const found = await deps.attachments.get(id);
    if (!found?.content) {
      throw new SwitchboardError('SB_ERR_ATTACHMENT_NOT_STORED', 'this file was not kept');
    }
    const { meta, content } = found;
    res.setHeader('content-type', meta.contentType || 'application/octet-stream');
    res.setHeader('content-disposition', contentDisposition(meta.name));
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', "default-src 'none'; sandbox");
    res.setHeader('cache-control', 'private, no-store');
    res.send(content);
  });
  return router;
}

/** One FileLinks per deployment, made on first use (the key may come from Redis). */
export function lazyFileLinks(
  options: Parameters<typeof FileLinks.create>[0],
): () => Promise<FileLinks> {
  let made: Promise<FileLinks> | undefined;
  return () => {
    made ??= FileLinks.create(options).catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}
