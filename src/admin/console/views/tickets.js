// @ts-check
/* global location */
// The tickets list: filters, pages of 25, and (for agents working from the console) their offers.

import { api, attempt, session } from '../api.js';
import { h, main } from '../dom.js';
import { fmtDate, qs } from '../format.js';
import { table } from '../table.js';
import { offersCard } from './offers.js';

/** @typedef {import('../api-types.js').Agent} Agent */
/** @typedef {import('../api-types.js').TicketSummary} TicketSummary */

/** The tickets list. */
export async function viewTickets() {
  const f = {
    status: h(
      'select',
      {},
      ...['', 'bot', 'queued', 'assigned', 'resolved', 'closed'].map((s) =>
        h('option', { value: s }, s || 'any status'),
      ),
    ),
    channel: h(
      'select',
      {},
      // The channels the server knows (its registry), from /auth/me.
      ...['', ...(session.me?.channels ?? [])].map((s) =>
        h('option', { value: s }, s || 'any channel'),
      ),
    ),
    slaState: h(
      'select',
      {},
      ...['', 'active', 'paused', 'met', 'breached'].map((s) =>
        h('option', { value: s }, s || 'any SLA'),
      ),
    ),
    assignee: h(
      'select',
      {},
      h('option', { value: '' }, 'anyone'),
      h('option', { value: 'none' }, 'unassigned'),
    ),
    urgencyMin: h('input', { type: 'text', size: 4, placeholder: 'urgency ≥' }),
    text: h('input', { type: 'search', placeholder: 'Text or #number' }),
  };
  /** @type {Agent[]} */
  const agents = (await api('GET', '/agents')).agents;
  for (const a of agents) f.assignee.append(h('option', { value: a.id }, a.displayName));
  const body = h('tbody');
  const total = h('span.muted#tickets-total');
  const PAGE = 25;
  let offset = 0;
  const prev = h('button.secondary#tickets-prev', { type: 'button' }, '← Newer');
  const next = h('button.secondary#tickets-next', { type: 'button' }, 'Older →');
  const load = async () => {
    const filters = Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value]));
    /** @type {{ tickets: TicketSummary[], total: number }} */
    const out = await api('GET', `/tickets${qs({ ...filters, limit: PAGE, offset })}`);
    const shown = out.tickets.length;
    total.textContent =
      shown === 0
        ? `${out.total} tickets`
        : `${offset + 1}–${offset + shown} of ${out.total} tickets`;
    prev.disabled = offset === 0;
    next.disabled = offset + shown >= out.total;
    body.replaceChildren(
      ...out.tickets.map((t) =>
        h(
          'tr.clickable',
          { on: { click: () => (location.hash = `#/ticket/${t.id}`) } },
          h('td', {}, `#${t.number}`),
          h('td', {}, t.channel),
          h('td', {}, h(`span.badge.${t.status}`, {}, t.status)),
          h('td', {}, t.subject ?? t.preview ?? t.lastIntent ?? ''),
          h('td', {}, String(t.urgency)),
          h('td', {}, t.slaState ? h(`span.badge.${t.slaState}`, {}, t.slaState) : '—'),
          h('td', {}, agents.find((a) => a.id === t.assigneeId)?.displayName ?? '—'),
          h('td', {}, t.tags.join(', ')),
          h('td.muted', {}, fmtDate(t.createdAt)),
        ),
      ),
    );
  };
  for (const el of Object.values(f))
    el.addEventListener('change', () => {
      offset = 0;
      void attempt(load);
    });
  prev.addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE);
    void attempt(load);
  });
  next.addEventListener('click', () => {
    offset += PAGE;
    void attempt(load);
  });
  main.replaceChildren(
    (session.me && offersCard(agents, session.me)) ?? '',
    h(
      'div.card',
      {},
      h('h2', {}, 'Tickets'),
      h(
        'form.inline',
        {
          on: {
            submit: (e) => {
              e.preventDefault();
              offset = 0;
              void attempt(load);
            },
          },
        },
        ...Object.values(f),
        h('button', { type: 'submit' }, 'Search'),
        total,
      ),
      table(
        [
          '#',
          'Channel',
          'Status',
          'Subject / first words',
          'Urgency',
          'SLA',
          'Assignee',
          'Tags',
          'Created',
        ],
        body,
      ),
      h('p.pager', {}, prev, ' ', next),
    ),
  );
  await load();
}
