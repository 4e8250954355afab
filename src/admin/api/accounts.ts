/**
 * Sign-in, the current principal, accounts and API tokens.
 */
import { Router } from 'express';
import {
  listIntegrations,
  rotateIntegrationKey,
  setIntegrationDisabled,
} from '../../integrations/store.ts';
import { clientAddressKey } from '../../http/rate-limit.ts';
import { z } from 'zod';
import { SwitchboardError } from '../../domain/errors.ts';
import { CHANNEL_IDS } from '../../domain/message.ts';
import {
  createAccount,
  createApiToken,
  listAccounts,
  listApiTokens,
  normalizeEmail,
  revokeApiToken,
  toAccountView,
  updateAccount,
  verifyLogin,
} from '../../accounts/accounts.ts';
import { ADMIN_ROLES } from '../../accounts/models.ts';
import {
  destroySession,
  newCsrfToken,
  principalOf,
  regenerateSession,
  saveSession,
  type LoginLimiter,
} from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { PERMISSIONS, roleMay, type Permission } from '../permissions.ts';
import { pathParams } from './params.ts';
import { Role, AccountView, IntegrationView, TokenView } from '../openapi/schemas.ts';
import { CSRF_HEADER, SESSION_COOKIE, json, routes, type AdminOperation } from '../routes.ts';

/** `POST /auth/login`. */
export const LoginSchema = z
  .object({
    email: z.string().trim().min(3).max(254),
    password: z.string().min(1).max(1024),
  })
  .strict();

/** Passwords: long enough to resist guessing, bounded so hashing cannot be abused. */
export const PasswordSchema = z
  .string()
  .min(12, 'at least 12 characters')
  .max(256, 'at most 256 characters');

const EmailSchema = z.string().trim().toLowerCase().email('an email address').max(254);
const SlackUserSchema = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,30}$/, 'a Slack user id such as U012ABCDEF');

/** `POST /accounts`. */
export const CreateAccountSchema = z
  .object({
    email: EmailSchema,
    password: PasswordSchema,
    displayName: z.string().trim().min(1).max(100),
    role: z.enum(ADMIN_ROLES),
    slackUserId: SlackUserSchema.optional(),
  })
  .strict();

/** `PATCH /accounts/:email`. */
export const UpdateAccountSchema = z
  .object({
    displayName: z.string().trim().min(1).max(100).optional(),
    role: z.enum(ADMIN_ROLES).optional(),
    disabled: z.boolean().optional(),
    password: PasswordSchema.optional(),
    slackUserId: SlackUserSchema.nullable().optional(),
  })
  .strict();

/** `POST /tokens`. */
export const CreateTokenSchema = z
  .object({ name: z.string().trim().min(1).max(100), role: z.enum(ADMIN_ROLES) })
  .strict();

/** `:email` of an account. */
export const AccountParams = z.object({ email: z.string().trim().min(3).max(254) });

/** `:id` of an API integration: the key id of `sbk_<id>_<secret>`. */
export const IntegrationParams = z.object({ id: z.string().regex(/^[0-9a-f]{12}$/) });

/** `:id` of an API token: the public part of `sbt_<id>_<secret>`. */
export const TokenParams = z.object({ id: z.string().min(1).max(100) });

/**
 * The session, accounts and tokens API: what authRouter and accountsRouter mount and the OpenAPI
 * document describes.
 */
const ACCOUNTS = {
  login: {
    method: 'post',
    path: '/auth/login',
    tag: 'session',
    summary: 'Sign in',
    description: `Starts a console session: sets the \`${SESSION_COOKIE}\` cookie and returns the CSRF token to send in \`${CSRF_HEADER}\` on writes. Failed sign-ins are counted per email and per address: past the limit, 429 with \`Retry-After\`, even for the right password.`,
    permission: 'open',
    body: LoginSchema,
    response: json(
      z.object({ account: AccountView, csrfToken: z.string() }),
      'Signed in; the session cookie is set.',
    ),
  },
  logout: {
    method: 'post',
    path: '/auth/logout',
    tag: 'session',
    summary: 'Sign out',
    permission: null,
    response: json(z.object({ status: z.literal('signed-out') }), 'The session is ended.'),
  },
  me: {
    method: 'get',
    path: '/auth/me',
    tag: 'session',
    summary: 'Who is calling',
    description:
      'The principal, its permissions, (for sessions) the CSRF token, every role there is and every channel this gateway knows.',
    permission: null,
    response: json(
      z.object({
        principal: z.object({
          kind: z.enum(['account', 'token', 'operator']),
          id: z.string(),
          name: z.string(),
          role: Role,
          agentId: z.string().nullable(),
        }),
        permissions: z.array(z.enum(Object.keys(PERMISSIONS) as [Permission, ...Permission[]])),
        csrfToken: z.string().nullable().meta({ description: 'null for bearer callers' }),
        roles: z
          .array(Role)
          .meta({ description: 'Every role an account or token may have, lowest first' }),
        channels: z
          .array(z.enum(CHANNEL_IDS))
          .meta({ description: 'Every channel of the registry, on here or not (for filters)' }),
      }),
      'The current principal.',
    ),
  },
  list: {
    method: 'get',
    path: '/accounts',
    tag: 'accounts',
    summary: 'List accounts',
    permission: 'accounts.manage',
    response: json(z.object({ accounts: z.array(AccountView) }), 'Every account.'),
  },
  create: {
    method: 'post',
    path: '/accounts',
    tag: 'accounts',
    summary: 'Create an account',
    description: 'A Slack user id links the account to the Agent record `slack:<id>`.',
    permission: 'accounts.manage',
    body: CreateAccountSchema,
    response: json(z.object({ account: AccountView }), 'Created.', 201),
    also: [409],
  },
  update: {
    method: 'patch',
    path: '/accounts/:email',
    tag: 'accounts',
    summary: 'Change an account',
    description:
      'Role, name, password, disabled, Slack link (`null` unlinks). An admin cannot demote or disable their own account; disabling ends its sessions.',
    permission: 'accounts.manage',
    params: AccountParams,
    body: UpdateAccountSchema,
    response: json(z.object({ account: AccountView }), 'The account after the change.'),
    also: [409],
  },
  tokens: {
    method: 'get',
    path: '/tokens',
    tag: 'accounts',
    summary: 'List API tokens',
    permission: 'accounts.manage',
    response: json(z.object({ tokens: z.array(TokenView) }), 'Every token, newest first.'),
  },
  createToken: {
    method: 'post',
    path: '/tokens',
    tag: 'accounts',
    summary: 'Create an API token',
    description: 'The token (`sbt_<id>_<secret>`) is shown once; only its SHA-256 is stored.',
    permission: 'accounts.manage',
    body: CreateTokenSchema,
    response: json(
      TokenView.extend({ token: z.string() }).meta({ id: 'NewApiToken' }),
      'Created.',
      201,
    ),
  },
  revokeToken: {
    method: 'delete',
    path: '/tokens/:id',
    tag: 'accounts',
    summary: 'Revoke an API token',
    permission: 'accounts.manage',
    params: TokenParams,
    response: json(z.object({ status: z.literal('revoked') }), 'Revoked (again is fine).'),
  },
  integrations: {
    method: 'get',
    path: '/integrations',
    tag: 'accounts',
    summary: 'List API-channel integrations',
    description: 'Ids, names, callback URLs and whether disabled; never keys or secrets.',
    permission: 'accounts.manage',
    response: json(z.object({ integrations: z.array(IntegrationView) }), 'Every integration.'),
  },
  disable: {
    method: 'post',
    path: '/integrations/:id/disable',
    tag: 'accounts',
    summary: 'Disable an integration',
    description: 'Its API key is refused (401) and its callbacks are not sent. Audited.',
    permission: 'accounts.manage',
    params: IntegrationParams,
    response: json(z.object({ integration: IntegrationView }), 'The integration, disabled.'),
  },
  enable: {
    method: 'post',
    path: '/integrations/:id/enable',
    tag: 'accounts',
    summary: 'Enable an integration again',
    permission: 'accounts.manage',
    params: IntegrationParams,
    response: json(z.object({ integration: IntegrationView }), 'The integration, enabled.'),
  },
  rotate: {
    method: 'post',
    path: '/integrations/:id/rotate',
    tag: 'accounts',
    summary: 'Rotate an integration key',
    description:
      'A new API key and webhook secret, shown once; the old key stops working at once. Audited.',
    permission: 'accounts.manage',
    params: IntegrationParams,
    response: json(
      z.object({ integration: IntegrationView, apiKey: z.string(), webhookSecret: z.string() }),
      'The new key and secret.',
    ),
  },
} satisfies Record<string, AdminOperation>;

/** The session, accounts and tokens API's operations, in the document's order. */
export const ACCOUNT_OPERATIONS: readonly AdminOperation[] = Object.values(ACCOUNTS);

export function authRouter(deps: AdminDeps, limiter: LoginLimiter): Router {
  const router = Router();
  const route = routes(router);
  route(ACCOUNTS.login, async (req, res) => {
    const body = LoginSchema.parse(req.body);
    const email = normalizeEmail(body.email);
    const ip = clientAddressKey(req);
    await limiter.attempt(email, ip, res);
    const account = await verifyLogin(deps.models, email, body.password);
    if (!account) {
      throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'wrong email or password');
    }
    await limiter.succeeded(email, ip);
    // A new session id at sign-in: an id planted before cannot be ridden (session fixation).
    await regenerateSession(req);
    req.session.accountId = account._id;
    req.session.signedInAt = Date.now();
    req.session.csrf = newCsrfToken();
    await saveSession(req);
    res.json({ account: toAccountView(account), csrfToken: req.session.csrf });
  });

  route(ACCOUNTS.logout, async (req, res) => {
    principalOf(res);
    if (req.session.accountId !== undefined) await destroySession(req);
    res.json({ status: 'signed-out' });
  });

  route(ACCOUNTS.me, (req, res) => {
    const principal = principalOf(res);
    res.json({
      principal: {
        kind: principal.kind,
        id: principal.id,
        name: principal.name,
        role: principal.role,
        agentId: principal.agentId,
      },
      permissions: (Object.keys(PERMISSIONS) as Permission[]).filter((p) =>
        roleMay(principal.role, p),
      ),
      csrfToken: principal.via === 'session' ? (req.session.csrf ?? null) : null,
      // Every role an account or token may have, for the console's role choices, and every
      // channel of the registry, for its filters.
      roles: ADMIN_ROLES,
      channels: CHANNEL_IDS,
    });
  });
  return router;
}

export function accountsRouter(deps: AdminDeps): Router {
  const router = Router();
  const route = routes(router);

  route(ACCOUNTS.list, async (_req, res) => {
    res.json({ accounts: await listAccounts(deps.models) });
  });

  route(ACCOUNTS.create, async (req, res) => {
    const body = CreateAccountSchema.parse(req.body);
    const by = principalOf(res).actor;
    let account = await createAccount(deps.models, { ...body, by });
    if (body.slackUserId !== undefined) {
      account = await updateAccount(
        deps.models,
        deps.locks,
        body.email,
        { slackUserId: body.slackUserId },
        by,
      );
    }
    res.status(201).json({ account });
  });

  route(ACCOUNTS.update, async (req, res) => {
    const body = UpdateAccountSchema.parse(req.body);
    const principal = principalOf(res);
    const email = normalizeEmail(pathParams(AccountParams, req.params, 'account').email);
    if (
      principal.kind === 'account' &&
      principal.id === email &&
      ((body.role !== undefined && body.role !== 'admin') || body.disabled === true)
    ) {
      throw new SwitchboardError(
        'SB_ERR_VALIDATION',
        'you cannot demote or disable your own account',
        {
          field: body.disabled === true ? 'disabled' : 'role',
        },
      );
    }
    const account = await updateAccount(deps.models, deps.locks, email, body, principal.actor);
    // Whoever changed their own password keeps this session; every other one of theirs ends.
    if (body.password !== undefined && req.session.accountId === account.email) {
      req.session.signedInAt = Date.now();
      await saveSession(req);
    }
    res.json({ account });
  });

  route(ACCOUNTS.tokens, async (_req, res) => {
    res.json({ tokens: await listApiTokens(deps.models) });
  });

  route(ACCOUNTS.createToken, async (req, res) => {
    const body = CreateTokenSchema.parse(req.body);
    const created = await createApiToken(deps.models, { ...body, by: principalOf(res).actor });
    res.status(201).json({ token: created.token, ...created.view });
  });

  route(ACCOUNTS.integrations, async (_req, res) => {
    res.json({ integrations: await listIntegrations(deps.models) });
  });
  route(ACCOUNTS.disable, async (req, res) => {
    const { id } = pathParams(IntegrationParams, req.params, 'integration');
    const by = principalOf(res).actor;
    res.json({
      integration: await setIntegrationDisabled(
        deps.models,
        { id, disabled: true, by },
        deps.redis,
      ),
    });
  });
  route(ACCOUNTS.enable, async (req, res) => {
    const { id } = pathParams(IntegrationParams, req.params, 'integration');
    const by = principalOf(res).actor;
    res.json({
      integration: await setIntegrationDisabled(
        deps.models,
        { id, disabled: false, by },
        deps.redis,
      ),
    });
  });
  route(ACCOUNTS.rotate, async (req, res) => {
    const { id } = pathParams(IntegrationParams, req.params, 'integration');
    res.json(
      await rotateIntegrationKey(deps.models, { id, by: principalOf(res).actor }, deps.redis),
    );
  });

  route(ACCOUNTS.revokeToken, async (req, res) => {
    const { id } = pathParams(TokenParams, req.params, 'token');
    await revokeApiToken(deps.models, id, principalOf(res).actor);
    res.json({ status: 'revoked' });
  });
  return router;
}
