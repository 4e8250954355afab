/**
 * Authentication of the admin API. Three ways in, each ending in a principal with a role:
 *
 * - a console session: an HTTP-only, SameSite=Strict cookie naming a session kept in Redis
 *   (express-session over a small ioredis store), with a synchronizer CSRF token in the session
 *   that every cookie-authenticated write must echo in `X-CSRF-Token`;
 * - an API token (`Authorization: Bearer sbt_…`) carrying a role, for integrations;
 * - the operator's `ADMIN_TOKEN` as a bearer token, with the admin role.
 *
 * Bearer requests carry no ambient credentials, so they need no CSRF token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { SwitchboardError } from '../domain/errors.ts';
import { findApiToken, getAccount, isApiTokenShape } from '../accounts/accounts.ts';
import type { AdminRole } from '../accounts/models.ts';
import type { PoolModels } from '../pool/models.ts';
import { roleMay, type Permission } from './permissions.ts';

declare module 'express-session' {
  interface SessionData {
    accountId: string;
    csrf: string;
    /** When the session signed in (ms): a later password change ends it. */
    signedInAt: number;
  }
}

/** Who is calling. `actor` is what the audit log records. */
export interface Principal {
  kind: 'account' | 'token' | 'operator';
  id: string;
  name: string;
  role: AdminRole;
  via: 'session' | 'bearer';
  actor: string;
  /** The linked Agent record (accounts linked to Slack). */
  agentId: string | null;
}

/** The authenticated caller of this request (set by `authenticate`). */
export function principalOf(res: Response): Principal {
  const principal = res.locals['principal'] as Principal | undefined;
  if (!principal) throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'sign in first');
  return principal;
}

/** Settings of the session layer. */
export interface AdminAuthSettings {
  cookieName: string;
  cookiePath: string;
  ttlSeconds: number;
  secure: 'auto' | boolean;
  secret: string;
}

/** An express-session store on ioredis: one key per session, expiring with it. */
export class RedisSessionStore extends session.Store {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {
    super();
  }

  private key(sid: string): string {
    return `${this.prefix}${sid}`;
  }

  private ttl(data: session.SessionData): number {
    const maxAge = data.cookie.maxAge;
    return typeof maxAge === 'number' ? Math.max(1, Math.ceil(maxAge / 1000)) : this.ttlSeconds;
  }

  override get(sid: string, callback: (err: unknown, data?: session.SessionData | null) => void) {
    this.redis.get(this.key(sid)).then(
      (text) => callback(null, text === null ? null : (JSON.parse(text) as session.SessionData)),
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void) {
    this.redis.set(this.key(sid), JSON.stringify(data), 'EX', this.ttl(data)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void) {
    this.redis.del(this.key(sid)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void) {
    this.redis.expire(this.key(sid), this.ttl(data)).then(
      () => callback?.(),
      () => callback?.(),
    );
  }
}

/**
 * The secret that signs session cookies: ADMIN_SESSION_SECRET when set, else one random secret per
 * deployment kept in Redis (the first process to start writes it), so every api process accepts
 * the cookies of the others without configuration.
 */
export async function sessionSecret(
  redis: Redis,
  prefix: string,
  configured: string | undefined,
): Promise<string> {
  if (configured !== undefined) return configured;
  const key = `${prefix}:admin:session-secret`;
  await redis.set(key, randomBytes(32).toString('base64url'), 'NX');
  const secret = await redis.get(key);
  if (secret === null) throw new SwitchboardError('SB_ERR_UNAVAILABLE', 'no session secret');
  return secret;
}

/** express-session configured for the console. */
export function sessionMiddleware(
  redis: Redis,
  prefix: string,
  settings: AdminAuthSettings,
): RequestHandler {
  return session({
    name: settings.cookieName,
    secret: settings.secret,
    store: new RedisSessionStore(redis, `${prefix}:admin:sess:`, settings.ttlSeconds),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      secure: settings.secure,
      path: settings.cookiePath,
      maxAge: settings.ttlSeconds * 1000,
    },
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Finds the principal of a request (bearer first, else the session) and checks the CSRF token of
 * cookie-authenticated writes. Requests with neither get 401. Paths in `open` (the login) pass
 * without a principal.
 */
export function authenticate(deps: {
  models: PoolModels;
  adminToken: string | undefined;
  open: ReadonlySet<string>;
}): RequestHandler {
  const operator = deps.adminToken === undefined ? undefined : digest(deps.adminToken);
  return async (req, res, next) => {
    // Signing in needs no principal (nor a CSRF token: it only takes a JSON body, which a
    // cross-site form cannot send without a CORS preflight).
    if (deps.open.has(req.path)) {
      next();
      return;
    }
    const header = req.headers.authorization;
    if (header !== undefined) {
      res.locals['principal'] = await fromBearer(header);
      next();
      return;
    }
    const accountId = req.session.accountId;
    if (accountId === undefined) {
      throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'sign in first');
    }
    const account = await getAccount(deps.models, accountId);
    const staleSince = account?.sessionsValidFrom?.getTime();
    if (
      !account ||
      account.disabled ||
      (staleSince !== undefined && (req.session.signedInAt ?? 0) < staleSince)
    ) {
      await destroySession(req);
      throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'the session ended; sign in again');
    }
    if (!SAFE_METHODS.has(req.method)) {
      const presented = req.get('x-csrf-token');
      const expected = req.session.csrf;
      if (presented === undefined || expected === undefined || !sameSecret(presented, expected)) {
        throw new SwitchboardError(
          'SB_ERR_FORBIDDEN',
          'missing or wrong CSRF token: send the X-CSRF-Token header from GET /auth/me',
        );
      }
    }
    res.locals['principal'] = {
      kind: 'account',
      id: account._id,
      name: account.displayName,
      role: account.role,
      via: 'session',
      actor: `account:${account._id}`,
      agentId: account.agentId ? String(account.agentId) : null,
    } satisfies Principal;
    next();
  };

  async function fromBearer(header: string): Promise<Principal> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (bearer === undefined) {
      throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'use "Authorization: Bearer <token>"');
    }
    if (isApiTokenShape(bearer)) {
      const token = await findApiToken(deps.models, bearer);
      if (token) {
        return {
          kind: 'token',
          id: token._id,
          name: token.name,
          role: token.role,
          via: 'bearer',
          actor: `token:${token._id}`,
          agentId: null,
        };
      }
    } else if (operator !== undefined && timingSafeEqual(digest(bearer), operator)) {
      return {
        kind: 'operator',
        id: 'operator',
        name: 'operator',
        role: 'admin',
        via: 'bearer',
        actor: 'operator',
        agentId: null,
      };
    }
    throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'the token is unknown or revoked');
  }
}

/** 403 unless the principal's role has `permission` (401 when there is no principal). */
export function requirePermission(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (!roleMay(principal.role, permission)) {
      throw new SwitchboardError(
        'SB_ERR_FORBIDDEN',
        `the ${principal.role} role may not do this (needs ${permission})`,
      );
    }
    next();
  };
}

export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error: unknown) => (error ? reject(toError(error)) : resolve())),
  );
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((error: unknown) => (error ? reject(toError(error)) : resolve())),
  );
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((error: unknown) => (error ? reject(toError(error)) : resolve())),
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A fresh CSRF token for a session. */
export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Sign-in attempts counted in Redis per email+address and per address (an IPv6 client by its
 * /64), so guessing is slow across every api process. A success clears the email+address count.
 */
export class LoginLimiter {
  private readonly perAccount: RateLimiterRedis;
  private readonly perAddress: RateLimiterRedis;

  constructor(
    redis: Redis,
    prefix: string,
    options: { maxFailures: number; windowSeconds: number },
  ) {
    this.perAccount = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:admin:rl:login`,
      points: options.maxFailures,
      duration: options.windowSeconds,
    });
    this.perAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:admin:rl:login-ip`,
      points: options.maxFailures * 10,
      duration: options.windowSeconds,
    });
  }

  /**
   * Counts a sign-in attempt before the password is checked, and throws SB_ERR_RATE_LIMITED (with
   * the seconds to wait) when either count is used up. Counting first matters: checking the count
   * and adding to it after argon2 let any number of parallel guesses through a free window.
   */
  async attempt(email: string, ip: string, res: Response): Promise<void> {
    for (const [limiter, key] of [
      [this.perAccount, `${email}|${ip}`],
      [this.perAddress, ip],
    ] as const) {
      try {
        await limiter.consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        res.setHeader('retry-after', String(seconds));
        throw new SwitchboardError(
          'SB_ERR_RATE_LIMITED',
          `too many failed sign-ins; retry in ${seconds} s`,
        );
      }
    }
  }

  /** A right password: the account's count starts over and the address gets its point back. */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.perAccount.delete(`${email}|${ip}`);
    await this.perAddress.reward(ip, 1);
  }
}
