/**
 * Console accounts and API tokens. Passwords are hashed with argon2id (slow on purpose: people pick
 * guessable passwords); API tokens carry 256 random bits, so a SHA-256 of them is enough, as for
 * the API channel's keys (integrations.ts). Every change leaves an audit event without secrets.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { unenrolSlackAgent } from './enrolment.ts';
import argon2 from 'argon2';
import { Types } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import { accountModels, type AccountDoc, type AdminRole, type ApiTokenDoc } from './models.ts';
import { recordAudit } from '../pool/audit.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { AgentDoc, PoolModels } from '../pool/models.ts';

/** An account as the API shows it: never the hash. */
export interface AccountView {
  email: string;
  displayName: string;
  role: AdminRole;
  disabled: boolean;
  slackUserId: string | null;
  agentId: string | null;
  lastLoginAt: Date | null;
  createdAt: Date;
}

export function toAccountView(doc: AccountDoc): AccountView {
  return {
    email: doc._id,
    displayName: doc.displayName,
    role: doc.role,
    disabled: doc.disabled,
    slackUserId: doc.slackUserId ?? null,
    agentId: doc.agentId ? String(doc.agentId) : null,
    lastLoginAt: doc.lastLoginAt ?? null,
    createdAt: doc.createdAt,
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A hash of a password nobody has: verifying against it costs what a real check costs. */
let dummyHash: Promise<string> | undefined;

/** Creates an account; 409 when the email is taken. */
export async function createAccount(
  models: PoolModels,
  input: { email: string; password: string; displayName: string; role: AdminRole; by: string },
): Promise<AccountView> {
  const email = normalizeEmail(input.email);
  const passwordHash = await argon2.hash(input.password, { type: argon2.argon2id });
  try {
    const created = await accountModels(models).Account.create({
      _id: email,
      displayName: input.displayName,
      passwordHash,
      role: input.role,
    });
    const view = toAccountView(created.toObject() as AccountDoc);
    await recordAudit(models, {
      actor: input.by,
      action: 'account.created',
      subject: `account:${email}`,
      after: { role: view.role, displayName: view.displayName },
    });
    return view;
  } catch (error) {
    if ((error as { code?: unknown }).code === 11000) {
      throw new SwitchboardError('SB_ERR_CONFLICT', `an account for ${email} exists already`, {
        field: 'email',
      });
    }
    throw error;
  }
}

/**
 * The account a login names, when its password matches and it is enabled; else null. An unknown
 * email costs a hash verification too, so timing does not tell which emails exist.
 */
export async function verifyLogin(
  models: PoolModels,
  email: string,
  password: string,
): Promise<AccountDoc | null> {
  const doc = (await accountModels(models)
    .Account.findById(normalizeEmail(email))
    .lean()) as AccountDoc | null;
  if (!doc) {
    dummyHash ??= argon2.hash(randomBytes(16).toString('hex'));
    await argon2.verify(await dummyHash, password);
    return null;
  }
  const ok = await argon2.verify(doc.passwordHash, password);
  if (!ok || doc.disabled) return null;
  await accountModels(models).Account.updateOne(
    { _id: doc._id },
    { $set: { lastLoginAt: new Date() } },
  );
  return doc;
}

export async function getAccount(models: PoolModels, email: string): Promise<AccountDoc | null> {
  return (await accountModels(models)
    .Account.findById(normalizeEmail(email))
    .lean()) as AccountDoc | null;
}

export async function listAccounts(models: PoolModels): Promise<AccountView[]> {
  const docs = (await accountModels(models)
    .Account.find({})
    .sort({ _id: 1 })
    .lean()) as AccountDoc[];
  return docs.map(toAccountView);
}

export async function countAccounts(models: PoolModels): Promise<number> {
  return accountModels(models).Account.countDocuments({});
}

/**
 * Finds or creates the Agent record of a Slack user (identity `slack:<id>`). The identity is the
 * Agent's unique key, so two concurrent links create one record.
 */
async function agentForSlackUser(
  models: PoolModels,
  slackUserId: string,
  displayName: string,
  role: AdminRole,
): Promise<AgentDoc> {
  const identity = `slack:${slackUserId}`;
  try {
    await models.Agent.updateOne(
      { identity },
      {
        $setOnInsert: {
          identity,
          displayName,
          role: role === 'agent' ? 'agent' : 'supervisor',
        },
        // Linking a Slack user to a console account is an admin's enrolment of that agent.
        $set: { enrolledVia: 'admin' },
      },
      { upsert: true },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
  }
  const agent = (await models.Agent.findOne({ identity }).lean()) as AgentDoc | null;
  if (!agent) throw new SwitchboardError('SB_ERR_INTERNAL', `agent ${identity} vanished`);
  return agent;
}

/** What an admin may change on an account. */
export interface AccountChange {
  displayName?: string | undefined;
  role?: AdminRole | undefined;
  disabled?: boolean | undefined;
  password?: string | undefined;
  /** A Slack user id links the account to that agent; null unlinks. */
  slackUserId?: string | null | undefined;
}

/** Updates an account under its lock; the audit event lists the changed fields (no password). */
export async function updateAccount(
  models: PoolModels,
  locks: DocumentLocks,
  emailInput: string,
  change: AccountChange,
  by: string,
): Promise<AccountView> {
  const email = normalizeEmail(emailInput);
  return locks.withLock(`account.${email}`, async () => {
    const current = (await accountModels(models)
      .Account.findById(email)
      .lean()) as AccountDoc | null;
    if (!current) throw new SwitchboardError('SB_ERR_NOT_FOUND', `no account ${email}`);
    const set: Record<string, unknown> = {};
    const unset: Record<string, ''> = {};
    if (change.displayName !== undefined) set['displayName'] = change.displayName;
    if (change.role !== undefined) set['role'] = change.role;
    if (change.disabled !== undefined) set['disabled'] = change.disabled;
    if (change.password !== undefined) {
      set['passwordHash'] = await argon2.hash(change.password, { type: argon2.argon2id });
      // A new password ends every session signed in with the old one (someone may have it).
      set['sessionsValidFrom'] = new Date();
    }
    if (change.slackUserId === null) {
      unset['slackUserId'] = '';
      unset['agentId'] = '';
      // Unlinked: that Slack user is no longer enrolled by this account.
      if (current.slackUserId)
        await unenrolSlackAgent(models, { slackUserId: current.slackUserId, by });
    } else if (change.slackUserId !== undefined) {
      const agent = await agentForSlackUser(
        models,
        change.slackUserId,
        change.displayName ?? current.displayName,
        change.role ?? current.role,
      );
      set['slackUserId'] = change.slackUserId;
      set['agentId'] = agent._id;
    }
    await accountModels(models).Account.updateOne(
      { _id: email },
      {
        ...(Object.keys(set).length ? { $set: set } : {}),
        ...(Object.keys(unset).length ? { $unset: unset } : {}),
      },
    );
    const after = (await accountModels(models).Account.findById(email).lean()) as AccountDoc;
    const pick = (d: AccountDoc) => ({
      role: d.role,
      disabled: d.disabled,
      displayName: d.displayName,
      slackUserId: d.slackUserId ?? null,
    });
    await recordAudit(models, {
      actor: by,
      action: change.password !== undefined ? 'account.updated+password' : 'account.updated',
      subject: `account:${email}`,
      before: pick(current),
      after: pick(after),
    });
    return toAccountView(after);
  });
}

// ---- API tokens -----------------------------------------------------------------------------

const TOKEN_PATTERN = /^sbt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** An API token as listed: never the hash. */
export interface ApiTokenView {
  id: string;
  name: string;
  role: AdminRole;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

function toTokenView(doc: ApiTokenDoc): ApiTokenView {
  return {
    id: doc._id,
    name: doc.name,
    role: doc.role,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    revokedAt: doc.revokedAt ?? null,
    lastUsedAt: doc.lastUsedAt ?? null,
  };
}

/** Creates a token `sbt_<id>_<secret>` and returns it once. */
export async function createApiToken(
  models: PoolModels,
  input: { name: string; role: AdminRole; by: string },
): Promise<{ token: string; view: ApiTokenView }> {
  const id = randomBytes(6).toString('hex');
  const token = `sbt_${id}_${randomBytes(32).toString('base64url')}`;
  const created = await accountModels(models).ApiToken.create({
    _id: id,
    name: input.name,
    role: input.role,
    tokenHash: sha256(token),
    createdBy: input.by,
  });
  await recordAudit(models, {
    actor: input.by,
    action: 'token.created',
    subject: `token:${id}`,
    after: { name: input.name, role: input.role },
  });
  return { token, view: toTokenView(created.toObject() as ApiTokenDoc) };
}

/** Does this look like one of our API tokens (so the caller can tell it from other bearers)? */
export function isApiTokenShape(text: string): boolean {
  return text.startsWith('sbt_');
}

/** The live token a presented secret belongs to (constant-time compare), else null. */
export async function findApiToken(models: PoolModels, token: string): Promise<ApiTokenDoc | null> {
  const id = TOKEN_PATTERN.exec(token)?.[1];
  if (id === undefined) return null;
  const doc = (await accountModels(models).ApiToken.findById(id).lean()) as ApiTokenDoc | null;
  if (!doc || doc.revokedAt) return null;
  const presented = Buffer.from(sha256(token), 'hex');
  const stored = Buffer.from(doc.tokenHash, 'hex');
  if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) return null;
  // Best effort bookkeeping, in its own collection so it can never overwrite a revocation.
  void accountModels(models)
    .ApiTokenUse.updateOne({ _id: id }, { $set: { lastUsedAt: new Date() } }, { upsert: true })
    .catch(() => undefined);
  return doc;
}

export async function listApiTokens(models: PoolModels): Promise<ApiTokenView[]> {
  const docs = (await accountModels(models)
    .ApiToken.find({})
    .sort({ createdAt: -1 })
    .lean()) as ApiTokenDoc[];
  const uses = (await accountModels(models).ApiTokenUse.find({}).lean()) as Array<{
    _id: string;
    lastUsedAt: Date;
  }>;
  const lastUsed = new Map(uses.map((use) => [use._id, use.lastUsedAt]));
  return docs.map((doc) => {
    const view = toTokenView(doc);
    return { ...view, lastUsedAt: lastUsed.get(doc._id) ?? view.lastUsedAt };
  });
}

/** Revokes a token (idempotent). */
export async function revokeApiToken(models: PoolModels, id: string, by: string): Promise<void> {
  const doc = (await accountModels(models).ApiToken.findById(id).lean()) as ApiTokenDoc | null;
  if (!doc) throw new SwitchboardError('SB_ERR_NOT_FOUND', `no token ${id}`);
  if (doc.revokedAt) return;
  await accountModels(models).ApiToken.updateOne({ _id: id }, { $set: { revokedAt: new Date() } });
  await recordAudit(models, {
    actor: by,
    action: 'token.revoked',
    subject: `token:${id}`,
    before: { name: doc.name, role: doc.role },
  });
}

/** An ObjectId from a path parameter, or a 404. */
export function objectIdOr404(value: unknown, what: string): Types.ObjectId {
  if (
    typeof value !== 'string' ||
    !Types.ObjectId.isValid(value) ||
    !/^[0-9a-f]{24}$/i.test(value)
  ) {
    throw new SwitchboardError('SB_ERR_NOT_FOUND', `no such ${what}`);
  }
  return new Types.ObjectId(value);
}
