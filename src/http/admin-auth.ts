import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { SwitchboardError } from '../domain/errors.ts';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Admin access by `ADMIN_TOKEN`: as a bearer token for API clients, or as the password of HTTP
 * Basic auth (any user name) so a browser can open the queue dashboard. No token configured means
 * no admin access at all (fail closed).
 */
export function requireAdmin(adminToken: string | undefined): RequestHandler {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (req, res, next) => {
    if (!expected) {
      throw new SwitchboardError('SB_ERR_FORBIDDEN', 'admin access is disabled: set ADMIN_TOKEN');
    }
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    const basic = /^Basic\s+(.+)$/i.exec(header)?.[1];
    const presented =
      bearer ??
      (basic
        ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':')
        : undefined);
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) {
      next();
      return;
    }
    res.setHeader('www-authenticate', 'Basic realm="switchboard"');
    throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'admin credentials required');
  };
}
