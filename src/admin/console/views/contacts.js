// @ts-check
/* global window */
// Contacts: find a contact by email, phone or name and open its page (contact.js); for admins, the
// GDPR tools: export or erase their data.

import { API, api, attempt, may, show } from '../api.js';
import { h, main } from '../dom.js';
import { fmtDate, qs } from '../format.js';
import { table } from '../table.js';

/** @typedef {import('../api-types.js').Contact} Contact */

/** The contacts view. */
export async function viewContacts() {
  if (!may('contacts.read')) {
    // The API refuses it too (403); say so instead of an empty table.
    main.replaceChildren(
      h('div.card#contacts-refused', {}, h('h2', {}, 'Contacts'), h('p', {}, 'Not for your role.')),
    );
    return;
  }
  const gdpr = may('contacts.gdpr');
  const q = h('input#contact-q', { type: 'search', placeholder: 'email, phone or name' });
  const body = h('tbody#contact-rows');
  /** @param {Contact} c */
  const erase = async (c) => {
    const label = c.name ?? c.identities.map((i) => i.value).join(', ');
    if (!window.confirm(`Erase all personal data of ${label}? This cannot be undone.`)) return;
    const out = await attempt(() => api('POST', `/contacts/${c.id}/erase`, {}));
    if (out) {
      show(`Erased: ${out.counts.messages} messages in ${out.counts.tickets} tickets`, true);
      await attempt(load);
    }
  };
  const load = async () => {
    /** @type {{ contacts: Contact[] }} */
    const out = await api('GET', `/contacts${qs({ q: q.value })}`);
    body.replaceChildren(
      ...out.contacts.map((c) =>
        h(
          'tr',
          { dataset: { contact: c.id } },
          h('td', {}, h('a.contact-page', { href: `#/contact/${c.id}` }, c.name ?? '(no name)')),
          h('td', {}, c.identities.map((i) => `${i.kind}: ${i.value}`).join(', ')),
          h('td.muted', {}, c.erasedAt ? `erased ${fmtDate(c.erasedAt)}` : ''),
          gdpr
            ? h(
                'td',
                {},
                h(
                  'a.export',
                  { href: `${API}/contacts/${c.id}/export`, download: `contact-${c.id}.json` },
                  'Export',
                ),
                ' ',
                h(
                  'button.danger.erase',
                  { type: 'button', on: { click: () => void erase(c) } },
                  'Erase',
                ),
              )
            : h('td'),
        ),
      ),
    );
    body.dataset.loaded = q.value;
  };
  main.replaceChildren(
    h(
      'div.card',
      {},
      h('h2', {}, 'Contacts'),
      h(
        'form.inline#contact-search',
        {
          on: {
            submit: (e) => {
              e.preventDefault();
              void attempt(load);
            },
          },
        },
        q,
        h('button#contact-search-submit', { type: 'submit' }, 'Search'),
      ),
      table(['Name', 'Identities', '', ''], body),
    ),
  );
  await load();
}
