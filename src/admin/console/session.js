// @ts-check
// Signing in and out: the sign-in form, and what the header shows of who is signed in.

import { api, attempt, may, session, show } from './api.js';
import { byId, h, main } from './dom.js';
import { route } from './router.js';

/**
 * Shows the sign-in form (and a message, if any) in place of the views.
 * @param {string} [message]
 */
export function renderLogin(message) {
  byId('nav').hidden = true;
  byId('logout').hidden = true;
  byId('who').textContent = '';
  const email = h('input#login-email', {
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
  });
  const password = h('input#login-password', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const form = h(
    'form.card#login-form',
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          try {
            const out = await api('POST', '/auth/login', {
              email: email.value,
              password: password.value,
            });
            session.csrf = out.csrfToken;
            show('');
            await start();
          } catch (error) {
            show(error instanceof Error ? error.message : String(error));
          }
        },
      },
    },
    h('h2', {}, 'Sign in'),
    h('label', { for: 'login-email' }, 'Email'),
    email,
    h('label', { for: 'login-password' }, 'Password'),
    password,
    h('p', {}, h('button#login-submit', { type: 'submit' }, 'Sign in')),
  );
  main.replaceChildren(form);
  if (message) show(message);
}

/** Asks who is signed in: shows the navigation they may use and their view, or the sign-in form. */
export async function start() {
  let me;
  try {
    const out = await api('GET', '/auth/me');
    me = {
      ...out.principal,
      permissions: out.permissions,
      roles: out.roles,
      channels: out.channels,
    };
    session.me = me;
    session.csrf = out.csrfToken;
  } catch {
    renderLogin();
    return;
  }
  byId('who').textContent = `${me.name} (${me.role})`;
  byId('logout').hidden = false;
  const nav = byId('nav');
  nav.hidden = false;
  for (const a of nav.querySelectorAll('a')) a.hidden = !may(a.dataset.perm);
  route();
}

/** Wires the Sign out button. */
export function bindLogout() {
  byId('logout').addEventListener('click', async () => {
    await attempt(() => api('POST', '/auth/logout'));
    session.me = null;
    session.csrf = null;
    renderLogin();
  });
}
