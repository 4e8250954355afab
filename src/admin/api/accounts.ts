/**
 * Sign-in, the current principal, accounts and API tokens.
 */
import { Router } from 'express';
import {
  listIntegrations,
  rotateIntegrationKey,
  setIntegrationDisabled,
} from '../../pool/integrations.ts';
import { clientAddressKey } from '../../http/rate-limit.ts';
import { z } from 'zod';
import { SwitchboardError } from '../../domain/errors.ts';
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
} from '../../pool/accounts.ts';
import { ADMIN_ROLES } from '../../pool/admin-models.ts';
import {
  destroySession,
  newCsrfToken,
  principalOf,
  regenerateSession,
  requirePermission,
  saveSession,
  type LoginLimiter,
} from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { PERMISSIONS, roleMay, type Permission } from '../permissions.ts';
import { pathParams } from './params.ts';

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

export function authRouter(deps: AdminDeps, limiter: LoginLimiter): Router {
  const router = Router();
  router.post('/auth/login', async (req, res) => {
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

  router.post('/auth/logout', async (req, res) => {
    principalOf(res);
    if (req.session.accountId !== undefined) await destroySession(req);
    res.json({ status: 'signed-out' });
  });

  router.get('/auth/me', (req, res) => {
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
      // Every role an account or token may have, for the console's role choices.
      roles: ADMIN_ROLES,
    });
  });
  return router;
}

export function accountsRouter(deps: AdminDeps): Router {
  const router = Router();
  const manage = requirePermission('accounts.manage');

  router.get('/accounts', manage, async (_req, res) => {
    res.json({ accounts: await listAccounts(deps.models) });
  });

  router.post('/accounts', manage, async (req, res) => {
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

  router.patch('/accounts/:email', manage, async (req, res) => {
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

  router.get('/tokens', manage, async (_req, res) => {
    res.json({ tokens: await listApiTokens(deps.models) });
  });

  router.post('/tokens', manage, async (req, res) => {
    const body = CreateTokenSchema.parse(req.body);
    const created = await createApiToken(deps.models, { ...body, by: principalOf(res).actor });
    res.status(201).json({ token: created.token, ...created.view });
  });

  router.get('/integrations', manage, async (_req, res) => {
    res.json({ integrations: await listIntegrations(deps.models) });
  });
  router.post('/integrations/:id/disable', manage, async (req, res) => {
    const { id } = pathParams(IntegrationParams, req.params, 'integration');
    const by = principalOf(res).actor;
    res.json({
      integration: await setIntegrationDisabled(deps.models, { id, disabled: true, by }),
    });
  });
  router.post('/integrations/:id/enable', manage, async (req, res) => {
    const { id } = pathParams(IntegrationParams, req.params, 'integration');
    const by = principalOf(res).actor;
    res.json({
      integration: await setIntegrationDisabled(deps.models, { id, disabled: false, by }),
    });
  });
  router.post('/integrations/:id/rotate', manage, async (req, res) => {
    const { id } = pathParams(IntegrationParams, req.params, 'integration');
    res.json(await rotateIntegrationKey(deps.models, { id, by: principalOf(res).actor }));
  });

  router.delete('/tokens/:id', manage, async (req, res) => {
    const { id } = pathParams(TokenParams, req.params, 'token');
    await revokeApiToken(deps.models, id, principalOf(res).actor);
    res.json({ status: 'revoked' });
  });
  return router;
}
