// @ts-check
/* global location, setTimeout */
// "You as an agent" on the Tickets view (issue 16 item 5): an account working from the console
// sets its own status (dispatch offers tickets only to available agents) and sees the tickets
// offered to it now, each with Take — what a Slack agent gets as a DM with a Take button.

import { api, attempt, may } from '../api.js';
import { h } from '../dom.js';

/** @typedef {import('../api-types.js').TicketSummary} TicketSummary */

/** How often the offers are checked while the view is open. */
const POLL_MS = 5000;

/**
 * The card; `agents` is `GET /agents`, `me` the principal. Null for principals who cannot work
 * tickets.
 * @param {Array<{ id: string, identity: string, status: string }>} agents
 * @param {import('../api.js').Me} me
 */
export function offersCard(agents, me) {
  if (!may('tickets.write') || me.kind !== 'account') return null;
  const mine = agents.find((a) => a.id === me.agentId || a.identity === `local:${me.id}`);
  const status = h(
    'select#my-status',
    {},
    ...['available', 'away', 'offline'].map((s) =>
      h('option', { value: s, selected: s === (mine?.status ?? 'away') }, s),
    ),
  );
  status.addEventListener(
    'change',
    () =>
      void attempt(
        () => api('POST', '/agents/me/status', { status: status.value }),
        `You are ${status.value}`,
      ),
  );
  const list = h('ul#my-offers');
  const card = h(
    'div.card#offers',
    {},
    h('h3', {}, 'You as an agent'),
    h('p', {}, 'Status ', status, h('span.muted', {}, ' — offers come while you are available')),
    list,
  );
  /** @param {TicketSummary} t */
  const take = (t) =>
    void attempt(() => api('POST', `/tickets/${t.id}/take`, {}), `Taken #${t.number}`).then(
      (ok) => {
        if (ok) location.hash = `#/ticket/${t.id}`;
      },
    );
  const refresh = async () => {
    if (!card.isConnected && list.childElementCount > 0) return;
    /** @type {{ tickets: TicketSummary[] }} */
    const out = await api('GET', '/tickets?status=queued&offeredTo=me&limit=20');
    list.replaceChildren(
      ...(out.tickets.length === 0
        ? [h('li.muted', {}, 'No offers right now.')]
        : out.tickets.map((t) =>
            h(
              'li.offer',
              { dataset: { id: t.id } },
              `Offered to you: #${t.number} (${t.channel}) ${t.subject ?? t.preview ?? ''} `,
              h('button.take', { type: 'button', on: { click: () => take(t) } }, 'Take'),
            ),
          )),
    );
  };
  const poll = () => {
    void refresh()
      .catch(() => undefined)
      .finally(() => {
        if (card.isConnected) setTimeout(poll, POLL_MS);
      });
  };
  // First look once the card is on the page; then every few seconds while it stays there.
  setTimeout(poll, 0);
  return card;
}
