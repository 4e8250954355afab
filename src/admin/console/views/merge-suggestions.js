// @ts-check
/* global window */
// Merge suggestions: pairs of contacts the linking code thinks may be one person (an unverified
// email, a typed-in address matched another contact). Supervisors and admins merge or dismiss;
// the contact page (contact.js) shows a contact's own with the same rows.

import { api, attempt, may } from '../api.js';
import { h, main } from '../dom.js';
import { fmtDate, qs } from '../format.js';
import { table } from '../table.js';

/** @typedef {import('../api-types.js').MergeSuggestion} MergeSuggestion */

const PAGE = 25;

/** @param {{ id: string, name: string | null, identities: Array<{ value: string }> }} c */
export const contactLabel = (c) => c.name ?? (c.identities.map((i) => i.value).join(', ') || c.id);

/**
 * One suggestion as a table row: both contacts (linked to their pages), why, and the actions.
 * `keep`: the contact whose page shows the row (its Merge keeps it); unset, one button per side.
 * @param {MergeSuggestion} s
 * @param {() => Promise<void>} reload
 * @param {string} [keep]
 */
export function suggestionRow(s, reload, keep) {
  /** @param {string} into */
  const accept = async (into) => {
    const kept = s.contacts.find((c) => c.id === into);
    const label = kept ? contactLabel(kept) : into;
    if (!window.confirm(`Merge these two contacts, keeping ${label}?`)) return;
    const out = await attempt(
      () => api('POST', `/merge-suggestions/${s.id}/accept`, { into }),
      'Merged',
    );
    if (out) await attempt(reload);
  };
  const dismiss = async () => {
    const out = await attempt(
      () => api('POST', `/merge-suggestions/${s.id}/dismiss`, {}),
      'Dismissed',
    );
    if (out) await attempt(reload);
  };
  const actions = [];
  if (may('contacts.merge')) {
    const sides = keep ? s.contacts.filter((c) => c.id === keep) : s.contacts;
    for (const c of sides)
      actions.push(
        h(
          'button.accept',
          { type: 'button', dataset: { into: c.id }, on: { click: () => void accept(c.id) } },
          keep ? 'Merge' : `Keep ${contactLabel(c)}`,
        ),
        ' ',
      );
    actions.push(
      h(
        'button.secondary.dismiss',
        { type: 'button', on: { click: () => void dismiss() } },
        'Dismiss',
      ),
    );
  }
  return h(
    'tr',
    { dataset: { suggestion: s.id } },
    h(
      'td',
      {},
      ...s.contacts
        .filter((c) => c.id !== keep)
        .flatMap((c, i) => [
          i > 0 ? ' · ' : '',
          h('a', { href: `#/contact/${c.id}` }, contactLabel(c)),
        ]),
    ),
    h('td', {}, `${s.identity.kind}: ${s.identity.value}`),
    h('td.muted', {}, `${s.reason} · seen ${s.seen}× · ${fmtDate(s.updatedAt)}`),
    h('td', {}, ...actions),
  );
}

/** The open suggestions, a page at a time. */
export async function viewMergeSuggestions() {
  let offset = 0;
  const body = h('tbody#suggestion-rows');
  const pager = h('p.muted#suggestion-pager');
  const load = async () => {
    /** @type {{ total: number, suggestions: MergeSuggestion[] }} */
    const out = await api(
      'GET',
      `/merge-suggestions${qs({ status: 'open', limit: PAGE, offset })}`,
    );
    body.replaceChildren(...out.suggestions.map((s) => suggestionRow(s, load)));
    const prev = h(
      'button.secondary',
      { type: 'button', disabled: offset === 0, on: { click: () => void turn(-PAGE) } },
      'Previous',
    );
    const next = h(
      'button.secondary#suggestion-next',
      {
        type: 'button',
        disabled: offset + PAGE >= out.total,
        on: { click: () => void turn(PAGE) },
      },
      'Next',
    );
    const shown =
      out.total === 0
        ? 'None open'
        : `${offset + 1}–${offset + out.suggestions.length} of ${out.total}`;
    pager.replaceChildren(shown, ' ', prev, ' ', next);
  };
  /** @param {number} by */
  const turn = async (by) => {
    offset = Math.max(0, offset + by);
    await attempt(load);
  };
  main.replaceChildren(
    h(
      'div.card',
      {},
      h('h2', {}, 'Merge suggestions'),
      h('p.muted', {}, 'Contacts that may be one person: merge them, or dismiss the suggestion.'),
      table(['Contacts', 'Matched on', 'Why', ''], body),
      pager,
    ),
  );
  await load();
}
