/**
 * The admin API's OpenAPI 3.1 document, built by zod-openapi from the operations the routers
 * declare and mount (src/admin/routes.ts): each router module exports its list (src/admin/api/*.ts,
 * and src/http/tickets-api.ts and src/http/attachments-api.ts for the operator's tickets and
 * attachments APIs), with its permission (or the operator token), request schemas and main
 * response (src/admin/openapi/schemas.ts); errors are the one `Error` component. Served at
 * `/api/docs` (src/http/api-docs.ts). A test walks the routers and fails on a route not listed.
 */
import { createDocument, type ZodOpenApiOperationObject } from 'zod-openapi';
import { z } from 'zod';
import { ATTACHMENTS_API_PATH } from '../http/attachments-api.ts';
import { TICKETS_API_PATH } from '../http/tickets-api.ts';
import { ADMIN_API_PATH } from './index.ts';
import { PERMISSIONS, type Permission } from './permissions.ts';
import { ErrorSchema } from './openapi/schemas.ts';

import {
  CSRF_HEADER,
  SESSION_COOKIE,
  TAGS,
  type AdminOperation,
  type Method,
  type Tag,
  type TicketsApiOperation,
} from './routes.ts';
import { ATTACHMENTS_API_OPERATIONS } from '../http/attachments-api.ts';
import { TICKETS_API_OPERATIONS } from '../http/tickets-api.ts';
import { AGENT_OPERATIONS } from './api/agents.ts';
import { TICKET_OPERATIONS } from './api/tickets.ts';
import { ACCOUNT_OPERATIONS } from './api/accounts.ts';
import { KNOWLEDGE_OPERATIONS } from './api/knowledge.ts';
import { LEARNING_OPERATIONS } from './api/learning.ts';
import { NEGATIVE_OPERATIONS } from './api/negatives.ts';
import { RETRAIN_OPERATIONS } from './api/retrains.ts';
import { TEAM_OPERATIONS } from './api/teams.ts';
import { DELIVERY_OPERATIONS } from './api/deliveries.ts';
import { AUDIT_OPERATIONS } from './api/audit.ts';
import { DASHBOARD_OPERATIONS } from './api/dashboard.ts';
import { CONTACT_OPERATIONS } from './api/contacts.ts';

export { ErrorSchema };
export { CSRF_HEADER, SESSION_COOKIE, type AdminOperation, type TicketsApiOperation };

// ---------------------------------------------------------------------------------------------
// Operations.

/** Every endpoint of the admin API. */
export const ADMIN_OPERATIONS: readonly AdminOperation[] = [
  ...ACCOUNT_OPERATIONS,
  ...KNOWLEDGE_OPERATIONS,
  ...TICKET_OPERATIONS,
  ...AGENT_OPERATIONS,
  ...TEAM_OPERATIONS,
  ...LEARNING_OPERATIONS,
  ...NEGATIVE_OPERATIONS,
  ...RETRAIN_OPERATIONS,
  ...DASHBOARD_OPERATIONS,
  ...AUDIT_OPERATIONS,
  ...CONTACT_OPERATIONS,
  ...DELIVERY_OPERATIONS,
];

export { ATTACHMENTS_API_OPERATIONS, TICKETS_API_OPERATIONS };

// ---------------------------------------------------------------------------------------------
// The document.

const REFUSALS = {
  400: ['BadRequest', 'Bad input: `SB_ERR_VALIDATION` names the `field`; or malformed JSON.'],
  401: ['Unauthenticated', 'No credentials, or unknown ones (`SB_ERR_UNAUTHENTICATED`).'],
  403: [
    'Forbidden',
    'The role lacks the permission, or a session write lacks the CSRF token; on the tickets and attachments APIs, no `ADMIN_TOKEN` is configured.',
  ],
  404: [
    'NotFound',
    'Nothing by that name (`SB_ERR_NOT_FOUND`); on the attachments API, also an attachment whose content was not stored (`SB_ERR_ATTACHMENT_NOT_STORED`).',
  ],
  409: ['Conflict', 'A concurrent change won, or the state does not allow it.'],
  413: [
    'PayloadTooLarge',
    'The body exceeds 256 kB, 64 kB on the tickets API (`SB_ERR_PAYLOAD_TOO_LARGE`).',
  ],
  429: [
    'RateLimited',
    'Too many requests from this address, or (sign-in) too many failed sign-ins; retry after `Retry-After` seconds.',
  ],
} as const;
type Refusal = keyof typeof REFUSALS;

const SAFE = new Set<Method>(['get']);

/** `/articles/:key` → `/api/v1/admin/articles/{key}` (under `base`: TICKETS_API_PATH…). */
export function openApiPath(expressPath: string, base: string = ADMIN_API_PATH): string {
  return `${base}${expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

function rolesOf(permission: Permission): string {
  return PERMISSIONS[permission].join(', ');
}

/** Who may call an operation, and how the document says so. */
interface Access {
  tag: Tag;
  /** The sentence of the description that says who may call. */
  who: string;
  security: Array<Record<string, string[]>>;
  refusals: Refusal[];
  /** Extensions (`x-permission`). */
  extensions?: Record<string, unknown>;
  /** Prefix of the operation id, for paths outside the admin API. */
  idPrefix?: string;
}

function adminAccess(op: AdminOperation): Access {
  const hasInput = op.params !== undefined || op.query !== undefined || op.body !== undefined;
  return {
    tag: op.tag,
    who:
      op.permission === 'open'
        ? 'No sign-in needed.'
        : op.permission === null
          ? 'Any signed-in principal.'
          : `Requires \`${op.permission}\` (roles: ${rolesOf(op.permission)}).`,
    security:
      op.permission === 'open'
        ? []
        : SAFE.has(op.method)
          ? [{ session: [] }, { bearer: [] }]
          : [{ session: [], csrf: [] }, { bearer: [] }],
    refusals: [
      ...(hasInput ? [400 as const] : []),
      401,
      ...(op.permission === 'open' ? [] : [403 as const]),
      ...(op.params ? [404 as const] : []),
      ...(op.body ? [413 as const] : []),
      ...(op.also ?? []),
      429,
    ],
    extensions: { 'x-permission': op.permission },
  };
}

/**
 * The tickets and attachments APIs are behind requireAdmin (src/http/admin-auth.ts): the operator
 * token only.
 */
function operatorAccess(
  op: TicketsApiOperation,
  api: { tag: 'operator' | 'attachments'; idPrefix: string },
): Access {
  return {
    tag: api.tag,
    who: "Requires the operator's `ADMIN_TOKEN`: as a bearer token, or as the password of HTTP Basic auth (any user name). API tokens and console sessions are not accepted; with no `ADMIN_TOKEN` configured, every call is 403.",
    security: [{ operator: [] }, { operatorBasic: [] }],
    // A malformed id names nothing (404), so only a body can be refused with 400.
    refusals: [
      ...(op.body ? [400 as const] : []),
      401,
      403,
      ...(op.params ? [404 as const] : []),
      ...(op.body ? [413 as const] : []),
      ...(op.also ?? []),
      429,
    ],
    idPrefix: api.idPrefix,
  };
}

function operationOf(
  op: AdminOperation | TicketsApiOperation,
  access: Access,
): ZodOpenApiOperationObject {
  const query = 'query' in op ? op.query : undefined;
  const success =
    'json' in op.response
      ? { 'application/json': { schema: op.response.json } }
      : 'csv' in op.response
        ? { 'text/csv': { schema: z.string().meta({ description: op.response.csv }) } }
        : 'file' in op.response
          ? {
              '*/*': {
                schema: z.string().meta({ format: 'binary', description: op.response.file }),
              },
            }
          : {
              'application/json': {
                schema: z.looseObject({}).meta({
                  description: `Sent as an attachment named \`${op.response.download}\`.`,
                }),
              },
            };
  return {
    operationId: `${op.method}${`${access.idPrefix ?? ''}${op.path}`.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`,
    tags: [TAGS[access.tag]],
    summary: op.summary,
    description: [op.description, access.who].filter(Boolean).join('\n\n'),
    ...access.extensions,
    security: access.security,
    ...(op.params || query
      ? {
          requestParams: {
            ...(op.params ? { path: op.params } : {}),
            ...(query ? { query } : {}),
          },
        }
      : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.bodyOptional !== true,
            content: { 'application/json': { schema: op.body } },
          },
        }
      : {}),
    responses: {
      [String(op.response.status ?? 200)]: {
        description: op.response.description,
        content: success,
        ...('headers' in op.response ? { headers: op.response.headers } : {}),
      },
      ...Object.fromEntries(
        [...new Set(access.refusals)].map((status) => [
          String(status),
          { $ref: `#/components/responses/${REFUSALS[status][0]}` },
        ]),
      ),
    },
  };
}

function buildDocument() {
  const paths: Record<string, Partial<Record<Method, ZodOpenApiOperationObject>>> = {};
  const add = (path: string, method: Method, operation: ZodOpenApiOperationObject) => {
    const item = (paths[path] ??= {});
    if (item[method]) throw new Error(`${method} ${path} is listed twice`);
    item[method] = operation;
  };
  for (const op of ADMIN_OPERATIONS)
    add(openApiPath(op.path), op.method, operationOf(op, adminAccess(op)));
  for (const op of TICKETS_API_OPERATIONS)
    add(
      openApiPath(op.path, TICKETS_API_PATH),
      op.method,
      operationOf(op, operatorAccess(op, { tag: 'operator', idPrefix: '/operator/tickets' })),
    );
  for (const op of ATTACHMENTS_API_OPERATIONS)
    add(
      openApiPath(op.path, ATTACHMENTS_API_PATH),
      op.method,
      operationOf(
        op,
        operatorAccess(op, { tag: 'attachments', idPrefix: '/operator/attachments' }),
      ),
    );
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard admin API',
        version: '1',
        description: [
          'The REST API the admin console (`/admin`) uses, and integrations with an API token.',
          `**Authentication.** A console session (the \`${SESSION_COOKIE}\` cookie from \`POST /auth/login\`; every write also sends the session's CSRF token in \`${CSRF_HEADER}\`), an API token (\`Authorization: Bearer sbt_…\`, its role), or the operator's \`ADMIN_TOKEN\` as a bearer token (admin).`,
          `**Tickets API.** \`${TICKETS_API_PATH}\` (tag "${TAGS.operator}") is the operator's: it takes only \`ADMIN_TOKEN\`, as a bearer token or as the HTTP Basic password (any user name), not API tokens or console sessions; with no \`ADMIN_TOKEN\` configured it is closed (403).`,
          `**Attachments API.** \`${ATTACHMENTS_API_PATH}\` (tag "${TAGS.attachments}"), downloads the attachments channels stored; it takes the same credentials as the tickets API.`,
          '**Errors.** Every refusal is `{ "error": { "code", "message", "field"? } }` with the status of its code (docs/errors.md); bad input is 400 `SB_ERR_VALIDATION` naming the `field`.',
          '**Roles.** ' +
            Object.entries(PERMISSIONS)
              .map(([permission, roles]) => `\`${permission}\`: ${roles.join(', ')}`)
              .join('; ') +
            '.',
        ].join('\n\n'),
      },
      tags: Object.values(TAGS).map((name) => ({ name })),
      paths,
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description:
              'The console session, set by `POST /auth/login` (HTTP-only, SameSite=Strict).',
          },
          csrf: {
            type: 'apiKey',
            in: 'header',
            name: CSRF_HEADER,
            description:
              "The session's CSRF token (from `POST /auth/login` or `GET /auth/me`), on every write with the session cookie.",
          },
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API token `sbt_<id>_<secret>` (its role), or the operator `ADMIN_TOKEN` (admin).',
          },
          operator: {
            type: 'http',
            scheme: 'bearer',
            description: `The operator's \`ADMIN_TOKEN\` as a bearer token: the only credential of the tickets and attachments APIs (\`${TICKETS_API_PATH}\`, \`${ATTACHMENTS_API_PATH}\`); API tokens are not accepted there.`,
          },
          operatorBasic: {
            type: 'http',
            scheme: 'basic',
            description:
              "HTTP Basic auth with the operator's `ADMIN_TOKEN` as the password (any user name), for browsers; the tickets and attachments APIs take it as they take the bearer token.",
          },
        },
        responses: Object.fromEntries(
          Object.values(REFUSALS).map(([name, description]) => [
            name,
            { description, content: { 'application/json': { schema: ErrorSchema } } },
          ]),
        ),
      },
    },
    {
      // Query dates are coerced from ISO text; responses carry them as ISO text too.
      override: ({ jsonSchema, zodSchema }) => {
        if (zodSchema._zod.def.type === 'date') {
          jsonSchema.type = 'string';
          jsonSchema.format = 'date-time';
        }
      },
    },
  );
}

let built: ReturnType<typeof buildDocument> | undefined;

/** The admin API's OpenAPI document (built once). */
export function adminApiDocument(): ReturnType<typeof buildDocument> {
  built ??= buildDocument();
  return built;
}
