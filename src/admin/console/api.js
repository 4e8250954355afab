// @ts-check
/* global Blob, fetch */
// The client of the documented REST API under /api/v1/admin (docs/admin-api.md): a session cookie
// plus the CSRF token from /auth/me on every write, errors shown in the notice bar, and who is
// signed in (their permissions, and the roles and channels the server knows, from /auth/me).

import { byId } from './dom.js';

export const API = '/api/v1/admin';

/**
 * The signed-in principal, as GET /auth/me answers it.
 * @typedef {{ kind: 'account' | 'token' | 'operator', id: string, name: string, role: string, agentId: string | null, permissions: string[], roles: string[], channels: string[] }} Me
 */

/** Who is signed in, and the CSRF token of their session. */
export const session = {
  /** @type {Me | null} */
  me: null,
  /** @type {string | null} */
  csrf: null,
};

const notice = byId('notice');

/**
 * Shows a message in the notice bar (an error unless `ok`); an empty one hides the bar.
 * @param {string} message
 * @param {boolean} [ok]
 */
export function show(message, ok = false) {
  notice.textContent = message;
  notice.className = ok ? 'ok' : '';
  notice.hidden = !message;
}

/** A refusal from the API, with its stable code and the field it names. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{ error?: { message?: string, code?: string, field?: string } } | null} body
   */
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.field = body?.error?.field;
  }
}

/** What to do when the session is gone (the console shows the sign-in form). */
let onSignedOut = () => {};

/** @param {() => void} fn */
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

/**
 * Calls the API; answers its JSON (untyped: each view reads the fields the API documents). A
 * file (a Blob) is sent as the raw body, in its own type (`POST /tickets/:id/files`).
 * @param {'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  const file = body instanceof Blob ? body : undefined;
  if (body !== undefined)
    headers['content-type'] = file ? file.type || 'application/octet-stream' : 'application/json';
  if (method !== 'GET' && session.csrf) headers['x-csrf-token'] = session.csrf;
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = file ?? JSON.stringify(body);
  const res = await fetch(`${API}${path}`, init);
  const json = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/auth/login') {
      session.me = null;
      onSignedOut();
    }
    throw new ApiError(res.status, json);
  }
  return json;
}

/**
 * Runs an action, showing its error (or success message) in the notice bar; answers undefined
 * when it failed.
 * @template T
 * @param {() => Promise<T>} fn
 * @param {string} [success]
 * @returns {Promise<T | undefined>}
 */
export async function attempt(fn, success) {
  try {
    const out = await fn();
    if (success) show(success, true);
    return out;
  } catch (error) {
    show(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

/**
 * Whether the signed-in principal has a permission.
 * @param {string | undefined} permission
 */
export const may = (permission) =>
  permission !== undefined && (session.me?.permissions.includes(permission) ?? false);
