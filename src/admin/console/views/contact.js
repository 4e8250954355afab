// @ts-check
/* global window */
// One contact: every identity (verified or not), the attributes, a timeline of every ticket on
// every channel of the contact and of the contacts merged into it, and, for supervisors and
// admins, merge (another contact found by search), unmerge and the contact's merge suggestions.

import { api, attempt, may } from '../api.js';
import { h, main } from '../dom.js';
import { fmtDate, qs } from '../format.js';
import { route } from '../router.js';
import { table } from '../table.js';
import { contactLabel, suggestionRow } from './merge-suggestions.js';

/** @typedef {import('../api-types.js').ContactPage} ContactPage */
/** @typedef {import('../api-types.js').Contact} Contact */
/** @typedef {import('../api-types.js').ContactIdentity} ContactIdentity */

/** @param {boolean | null} verified */
const verifiedLabel = (verified) =>
  verified === true ? 'verified' : verified === false ? 'not verified' : '—';

/** @param {ContactIdentity[]} identities */
const identityRows = (identities) =>
  identities.map((i) =>
    h(
      'tr',
      { dataset: { identity: `${i.kind}:${i.value}` } },
      h('td', {}, i.kind),
      h('td', {}, i.value),
      h('td.muted', {}, verifiedLabel(i.verified)),
    ),
  );

/**
 * Undoes the merge of `id` into another contact, then shows the page again.
 * @param {string} id
 */
async function unmerge(id) {
  if (!window.confirm('Unmerge this contact? It gets back its own identities and tickets.')) return;
  const out = await attempt(() => api('POST', `/contacts/${id}/unmerge`, {}), 'Unmerged');
  if (out) route();
}

/**
 * The merge panel: find another contact and merge it into this one.
 * @param {string} id
 */
function mergePanel(id) {
  const q = h('input#merge-q', { type: 'search', placeholder: 'email, phone or name' });
  const results = h('tbody#merge-results');
  /** @param {Contact} other */
  const merge = async (other) => {
    if (!window.confirm(`Merge ${contactLabel(other)} into this contact?`)) return;
    const out = await attempt(
      () => api('POST', `/contacts/${id}/merge`, { from: other.id }),
      'Merged',
    );
    if (out) route();
  };
  const search = async () => {
    /** @type {{ contacts: Contact[] }} */
    const out = await api('GET', `/contacts${qs({ q: q.value })}`);
    results.replaceChildren(
      ...out.contacts
        .filter((c) => c.id !== id)
        .map((c) =>
          h(
            'tr',
            { dataset: { contact: c.id } },
            h('td', {}, h('a', { href: `#/contact/${c.id}` }, c.name ?? '—')),
            h('td', {}, c.identities.map((i) => `${i.kind}: ${i.value}`).join(', ')),
            h(
              'td',
              {},
              h('button.merge', { type: 'button', on: { click: () => void merge(c) } }, 'Merge in'),
            ),
          ),
        ),
    );
    results.dataset.loaded = q.value;
  };
  return h(
    'div.card#contact-merge',
    {},
    h('h3', {}, 'Merge another contact into this one'),
    h(
      'form.inline#merge-search',
      {
        on: {
          submit: (e) => {
            e.preventDefault();
            void attempt(search);
          },
        },
      },
      q,
      h('button', { type: 'submit' }, 'Search'),
    ),
    table(['Name', 'Identities', ''], results),
  );
}

/**
 * The contact page, by id.
 * @param {string} id
 */
export async function viewContact(id) {
  /** @type {ContactPage} */
  const page = await api('GET', `/contacts/${id}`);
  const c = page.contact;
  const canMerge = may('contacts.merge');
  const attributes = Object.entries(c.attributes).filter(([key]) => key !== 'gdprErasedAt');
  const merged = c.mergedInto
    ? h(
        'p#contact-merged-into',
        {},
        'Merged into ',
        h('a', { href: `#/contact/${c.mergedInto}` }, 'another contact'),
        ': its tickets are listed there. ',
        canMerge
          ? h(
              'button.secondary#contact-unmerge',
              { type: 'button', on: { click: () => void unmerge(id) } },
              'Unmerge',
            )
          : '',
      )
    : '';
  const timeline = h(
    'tbody#contact-timeline',
    {},
    ...page.tickets.map((t) =>
      h(
        'tr',
        { dataset: { ticket: t.id } },
        h('td', {}, h('a', { href: `#/ticket/${t.id}` }, `#${t.number}`)),
        h('td', {}, t.channel),
        h('td', {}, t.status),
        h('td', {}, t.subject ?? t.preview ?? ''),
        h('td.muted', {}, fmtDate(t.createdAt)),
        h('td.muted', {}, t.mergedFrom ? 'from a merged contact' : ''),
      ),
    ),
  );
  const mergedFrom = page.mergedFrom.map((m) =>
    h(
      'li',
      { dataset: { merged: m.id } },
      h('a', { href: `#/contact/${m.id}` }, contactLabel(m)),
      h('span.muted', {}, ` merged ${fmtDate(m.mergedAt)} by ${m.mergedBy ?? '—'} `),
      canMerge && m.canUnmerge
        ? h(
            'button.secondary.unmerge',
            { type: 'button', on: { click: () => void unmerge(m.id) } },
            'Unmerge',
          )
        : '',
    ),
  );
  main.replaceChildren(
    h(
      'div.row',
      {},
      h(
        'div.col',
        {},
        h(
          'div.card',
          {},
          h('h2#contact-name', {}, c.name ?? 'Contact without a name'),
          merged,
          h('p.muted', {}, `Since ${fmtDate(c.createdAt)}`),
          table(
            ['Kind', 'Identity', ''],
            h('tbody#contact-identities', {}, ...identityRows(c.identities)),
          ),
        ),
        h(
          'div.card',
          {},
          h('h3', {}, 'Tickets on every channel'),
          table(['Ticket', 'Channel', 'Status', 'Subject', 'Opened', ''], timeline),
          page.ticketsTruncated ? h('p.muted', {}, 'Only the newest tickets are listed.') : '',
        ),
      ),
      h(
        'div.side',
        {},
        h(
          'div.card',
          {},
          h('h3', {}, 'Attributes'),
          attributes.length === 0
            ? h('p.muted', {}, 'None')
            : h(
                'ul',
                {},
                ...attributes.map(([k, v]) =>
                  h('li', {}, `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`),
                ),
              ),
        ),
        h(
          'div.card#contact-merged-from',
          {},
          h('h3', {}, 'Merged into this contact'),
          mergedFrom.length === 0 ? h('p.muted', {}, 'None') : h('ul', {}, ...mergedFrom),
        ),
        h(
          'div.card',
          {},
          h('h3', {}, 'May be the same person'),
          page.suggestions.length === 0
            ? h('p.muted', {}, 'No open suggestions')
            : table(
                ['Contact', 'Matched on', 'Why', ''],
                h(
                  'tbody#contact-suggestions',
                  {},
                  ...page.suggestions.map((s) =>
                    suggestionRow(s, async () => route(), c.mergedInto ? undefined : id),
                  ),
                ),
              ),
        ),
        canMerge && !c.mergedInto ? mergePanel(id) : '',
      ),
    ),
  );
}
