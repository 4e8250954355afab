import { errors, jwtVerify, SignJWT } from 'jose';
import { SwitchboardError } from '../../src/domain/errors.ts';
import { VisitorIdentitySchema, type VisitorIdentity } from './visitor-identity.ts';

const ISSUER = 'switchboard';
const AUDIENCE = 'directline';

/** What a Direct Line token grants: one visitor in one conversation, until it expires. */
export interface DirectLineGrant {
  conversationId: string;
  userId: string;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
  /** Who the visitor is, as checked when the conversation started (absent: anonymous). */
  visitor?: VisitorIdentity;
}

/**
 * Issues and checks Direct Line tokens: HS256 JWTs (jose) signed with WEBCHAT_TOKEN_SECRET, with
 * the conversation and the visitor's user id as claims, so a token opens exactly one conversation.
 */
export class DirectLineTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** A token for the visitor in the conversation, valid for the configured lifetime from now. */
  async issue(grant: {
    conversationId: string;
    userId: string;
    visitor?: VisitorIdentity | undefined;
  }): Promise<{
    token: string;
    expiresIn: number;
  }> {
    const issuedAt = Math.floor(this.now() / 1000);
    // The visitor rides in the token, so a refresh keeps it and no request can change it.
    const claims = {
      conv: grant.conversationId,
      ...(grant.visitor === undefined ? {} : { vis: grant.visitor }),
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(grant.userId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .sign(this.key);
    return { token, expiresIn: this.ttlSeconds };
  }

  /**
   * The grant of a `Bearer` token. Fails closed: no token, a bad signature or a malformed token is
   * SB_ERR_UNAUTHENTICATED (401); an expired one SB_ERR_TOKEN_EXPIRED (403, which Web Chat reads
   * as "refresh or start again").
   */
  async verify(token: string | undefined): Promise<DirectLineGrant> {
    if (token === undefined || token === '') {
      throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'missing Direct Line token');
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: new Date(this.now()),
      });
      const conversationId = payload['conv'];
      if (typeof conversationId !== 'string' || typeof payload.sub !== 'string') {
        throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'the token names no conversation');
      }
      const visitor =
        payload['vis'] === undefined ? undefined : VisitorIdentitySchema.safeParse(payload['vis']);
      if (visitor?.success === false) {
        throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'the token names no valid visitor');
      }
      return {
        conversationId,
        userId: payload.sub,
        expiresAt: payload.exp ?? 0,
        ...(visitor === undefined ? {} : { visitor: visitor.data }),
      };
    } catch (error) {
      if (error instanceof SwitchboardError) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new SwitchboardError('SB_ERR_TOKEN_EXPIRED', 'the Direct Line token has expired');
      }
      throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'invalid Direct Line token', {
        cause: error,
      });
    }
  }

  /** `verify`, and the grant must be for `conversationId` (403 otherwise). */
  async verifyFor(token: string | undefined, conversationId: string): Promise<DirectLineGrant> {
    const grant = await this.verify(token);
    if (grant.conversationId !== conversationId) {
      throw new SwitchboardError(
        'SB_ERR_FORBIDDEN',
        'the Direct Line token is for another conversation',
      );
    }
    return grant;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
