// @ts-check
// Accounts and API tokens (admins): create, disable or enable accounts; create and revoke tokens.
// The roles offered are the ones the server knows (GET /auth/me answers them).

import { api, attempt, session } from '../api.js';
import { h, main } from '../dom.js';
import { fmtDate } from '../format.js';
import { route } from '../router.js';
import { table } from '../table.js';

/** @typedef {import('../api-types.js').Account} Account */
/** @typedef {import('../api-types.js').ApiToken} ApiToken */

/** A choice of the roles the server knows. */
const roleSelect = () =>
  h('select', {}, ...(session.me?.roles ?? []).map((r) => h('option', { value: r }, r)));

/** The accounts and tokens view (admins). */
export async function viewAccounts() {
  /** @type {[{ accounts: Account[] }, { tokens: ApiToken[] }]} */
  const [accounts, tokens] = await Promise.all([api('GET', '/accounts'), api('GET', '/tokens')]);
  const email = h('input', { type: 'email', placeholder: 'email' });
  const name = h('input', { type: 'text', placeholder: 'display name' });
  const password = h('input', { type: 'password', placeholder: 'password (12+)' });
  const role = roleSelect();
  const slack = h('input', { type: 'text', placeholder: 'Slack user id (optional)', size: 14 });
  const tokenName = h('input', { type: 'text', placeholder: 'token name' });
  const tokenRole = roleSelect();
  const shown = h('p.muted');
  main.replaceChildren(
    h(
      'div.card',
      {},
      h('h2', {}, 'Accounts'),
      table(
        null,
        accounts.accounts.map((a) =>
          h(
            'tr',
            {},
            h('td', {}, a.email),
            h('td', {}, a.displayName),
            h('td', {}, a.role),
            h('td', {}, a.slackUserId ? `Slack ${a.slackUserId}` : '—'),
            h('td', {}, a.disabled ? 'disabled' : 'active'),
            h(
              'td',
              {},
              a.email === session.me?.id
                ? ''
                : h(
                    'button.secondary',
                    {
                      type: 'button',
                      on: {
                        click: () =>
                          void attempt(
                            () =>
                              api('PATCH', `/accounts/${encodeURIComponent(a.email)}`, {
                                disabled: !a.disabled,
                              }),
                            'Saved',
                          ).then(route),
                      },
                    },
                    a.disabled ? 'Enable' : 'Disable',
                  ),
            ),
          ),
        ),
      ),
      h(
        'form.inline',
        {
          on: {
            submit: async (e) => {
              e.preventDefault();
              const body = {
                email: email.value,
                displayName: name.value,
                password: password.value,
                role: role.value,
                ...(slack.value ? { slackUserId: slack.value } : {}),
              };
              if (await attempt(() => api('POST', '/accounts', body), 'Account created')) route();
            },
          },
        },
        email,
        name,
        password,
        role,
        slack,
        h('button', { type: 'submit' }, 'Create account'),
      ),
    ),
    h(
      'div.card',
      {},
      h('h2', {}, 'API tokens'),
      table(
        null,
        tokens.tokens.map((t) =>
          h(
            'tr',
            {},
            h('td', {}, t.name),
            h('td', {}, t.role),
            h('td', {}, t.createdBy),
            h(
              'td.muted',
              {},
              t.revokedAt
                ? `revoked ${fmtDate(t.revokedAt)}`
                : `last used ${fmtDate(t.lastUsedAt)}`,
            ),
            h(
              'td',
              {},
              t.revokedAt
                ? ''
                : h(
                    'button.danger',
                    {
                      type: 'button',
                      on: {
                        click: () =>
                          void attempt(() => api('DELETE', `/tokens/${t.id}`), 'Revoked').then(
                            route,
                          ),
                      },
                    },
                    'Revoke',
                  ),
            ),
          ),
        ),
      ),
      h(
        'form.inline',
        {
          on: {
            submit: async (e) => {
              e.preventDefault();
              const out = await attempt(() =>
                api('POST', '/tokens', { name: tokenName.value, role: tokenRole.value }),
              );
              if (out) shown.textContent = `Token (shown once): ${out.token}`;
            },
          },
        },
        tokenName,
        tokenRole,
        h('button', { type: 'submit' }, 'Create token'),
      ),
      shown,
    ),
  );
}
