/**
 * Routes written once: each endpoint of the admin API (src/admin/api/*.ts) and of the operator's
 * tickets and attachments APIs (src/http/tickets-api.ts, src/http/attachments-api.ts) is an
 * operation object — method, path, permission, request schemas, answer — that its router mounts
 * with `routes(router)` and exports in a list, from which src/admin/openapi.ts builds the OpenAPI
 * document. The method, the path and the permission are stated here and nowhere else.
 */
import type { RequestHandler, Router } from 'express';
import type { z } from 'zod';
import { requirePermission } from './auth.ts';
import type { Permission } from './permissions.ts';

/** The session cookie (src/admin/index.ts) and the CSRF header (src/admin/auth.ts). */
export const SESSION_COOKIE = 'sb_admin';
export const CSRF_HEADER = 'X-CSRF-Token';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The document's tags: each operation names one by its key. */
export const TAGS = {
  session: 'Session',
  accounts: 'Accounts and tokens',
  knowledge: 'Knowledge base',
  tickets: 'Tickets',
  learning: 'Learning loop',
  dashboard: 'Dashboard',
  audit: 'Audit log',
  contacts: 'Contacts (GDPR)',
  deliveries: 'Failed deliveries',
  operator: 'Tickets API (operator)',
  attachments: 'Attachments API (operator)',
} as const;
export type Tag = keyof typeof TAGS;

/** One endpoint of the admin API: what its router mounts and the document describes. */
export interface AdminOperation {
  method: Method;
  /** Express's path under ADMIN_API_PATH (`/articles/:key`). */
  path: string;
  tag: Tag;
  summary: string;
  description?: string;
  /**
   * The permission `routes` puts in front of the handlers (requirePermission: 403 for a role
   * without it); null: any signed-in principal; 'open': no sign-in. The last two add no check
   * here: src/admin/index.ts authenticates before the routers and lets the open paths through.
   */
  permission: Permission | null | 'open';
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out. */
  bodyOptional?: boolean;
  /** The success answer: JSON (a schema), CSV, a JSON download, or stored bytes (a file). */
  response: { status?: 200 | 201 | 202; description: string } & (
    | { json: z.ZodType }
    | { csv: string }
    | { download: string }
    | { file: string; headers: z.ZodObject }
  );
  /** Refusals besides those every operation of its kind has (400, 401, 403, 404, 413, 429). */
  also?: Array<404 | 409>;
}

/**
 * One endpoint of the operator's tickets API (src/http/tickets-api.ts): `path` is under
 * TICKETS_API_PATH, and only the operator's `ADMIN_TOKEN` gets in (requireAdmin, in front of the
 * whole router).
 */
export type TicketsApiOperation = Omit<AdminOperation, 'tag' | 'permission' | 'query'>;

/**
 * One endpoint of the operator's attachments API (src/http/attachments-api.ts): `path` is under
 * ATTACHMENTS_API_PATH, and only the operator's `ADMIN_TOKEN` gets in, as on the tickets API.
 */
export type AttachmentsApiOperation = TicketsApiOperation;

/** A JSON success answer. */
export const json = (schema: z.ZodType, description: string, status?: 201 | 202) => ({
  description,
  json: schema,
  ...(status ? { status } : {}),
});

/**
 * Mounts operations on `router`: `route(op, ...handlers)` is
 * `router[op.method](op.path, requirePermission(op.permission), ...handlers)`, without the check
 * when the permission is null or 'open' (and for the operator's APIs, which have none).
 */
export function routes(
  router: Router,
): (op: AdminOperation | TicketsApiOperation, ...handlers: RequestHandler[]) => void {
  return (op, ...handlers) => {
    const permission = 'permission' in op ? op.permission : null;
    const guard =
      permission === null || permission === 'open' ? [] : [requirePermission(permission)];
    router[op.method](op.path, ...guard, ...handlers);
  };
}
