// @ts-check
// One ticket: the transcript, its details and urgency, reassign / tags / resolve, and the work
// panels (ticket-work.js).

import { api, attempt, may } from '../api.js';
import { h, main, serverHtml } from '../dom.js';
import { fmtDate, splitList } from '../format.js';
import { route } from '../router.js';
import { ticketWork } from './ticket-work.js';

/** @typedef {import('../api-types.js').Agent} Agent */
/** @typedef {import('../api-types.js').TicketDetail} TicketDetail */

/**
 * @typedef {{ id: string, name: string, contentType: string, size: number,
 *   link: string | null, notStoredReason: string | null }} FileView
 */

/**
 * A message's files: a download link (signed, short-lived, made by the server on this view) for
 * each kept one, and why the others were not kept.
 * @param {TicketDetail['transcript'][number]} message
 */
function messageFiles(message) {
  const files = /** @type {typeof message & { attachments?: FileView[] }} */ (message).attachments;
  if (!files || files.length === 0) return null;
  return h(
    'ul.files',
    {},
    ...files.map((f) =>
      h(
        'li',
        {},
        f.link
          ? h('a', { href: f.link, download: f.name, rel: 'noopener' }, f.name)
          : h('span', {}, f.name),
        ` · ${f.contentType} · ${fmtSize(f.size)}`,
        f.link ? null : h('span.muted', {}, ` · not kept: ${f.notStoredReason ?? 'unknown'}`),
      ),
    ),
  );
}

/**
 * @param {number} bytes
 */
function fmtSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * One ticket, by id.
 * @param {string} id
 */
export async function viewTicket(id) {
  /** @type {TicketDetail} */
  const out = await api('GET', `/tickets/${id}`);
  const t = out.ticket;
  /** @type {Agent[]} */
  const agents = (await api('GET', '/agents')).agents;
  const assignee = h(
    'select#ticket-assignee',
    {},
    ...agents.map((a) =>
      h(
        'option',
        { value: a.id, selected: a.id === t.assigneeId },
        `${a.displayName} (${a.activeTickets}/${a.capacity})`,
      ),
    ),
  );
  const tagInput = h('input#ticket-tags', { type: 'text', value: t.tags.join(', ') });
  const actions = [];
  if (may('tickets.assign') && agents.length === 0)
    actions.push(
      h(
        'p.muted#reassign-hint',
        {},
        'No agents to assign to yet: an agent is enrolled by linking an account to its Slack user (Accounts), with switchboard agent enrol, or through SLACK_AGENT_USERGROUPS; console accounts become agents when they first take a ticket.',
      ),
    );
  else if (may('tickets.assign'))
    actions.push(
      h(
        'p',
        {},
        assignee,
        ' ',
        h(
          'button',
          {
            type: 'button',
            on: {
              click: () =>
                void attempt(
                  () => api('POST', `/tickets/${id}/assign`, { agentId: assignee.value }),
                  'Reassigned',
                ).then(route),
            },
          },
          'Reassign',
        ),
      ),
    );
  if (may('tickets.write')) {
    actions.push(
      h(
        'p',
        {},
        tagInput,
        ' ',
        h(
          'button.secondary',
          {
            type: 'button',
            on: {
              click: async () => {
                const wanted = splitList(tagInput.value);
                await attempt(
                  () =>
                    api('POST', `/tickets/${id}/tags`, {
                      add: wanted,
                      remove: t.tags.filter((x) => !wanted.includes(x)),
                    }),
                  'Tags saved',
                );
              },
            },
          },
          'Save tags',
        ),
      ),
    );
    actions.push(
      h(
        'p',
        {},
        h(
          'button.danger',
          {
            type: 'button',
            on: {
              click: () =>
                void attempt(() => api('POST', `/tickets/${id}/resolve`, {}), 'Resolved').then(
                  route,
                ),
            },
          },
          'Resolve',
        ),
      ),
    );
  }
  main.replaceChildren(
    h(
      'div.row',
      {},
      h(
        'div.col.card.transcript',
        {},
        h('h2', {}, `Ticket #${t.number} `, h(`span.badge.${t.status}`, {}, t.status)),
        ...out.transcript.map((m) =>
          h(
            `div.${m.direction}`,
            {},
            h(
              'div.muted',
              {},
              `${m.authorKind}${m.authorName ? ` · ${m.authorName}` : ''} · ${m.channel} · ${fmtDate(m.at)}${m.intent ? ` · intent ${m.intent}` : ''}${m.score !== null ? ` · score ${Number(m.score).toFixed(2)}` : ''}`,
            ),
            m.html ? serverHtml('div.rendered', m.html) : h('div', {}, m.text),
            m.deliveryError
              ? h('p.error.delivery-error', {}, `Not delivered: ${m.deliveryError}`)
              : null,
            messageFiles(m),
          ),
        ),
      ),
      h(
        'div.side',
        {},
        h(
          'div.card',
          {},
          h('h3', {}, 'Details'),
          h('p', {}, `Channel ${t.channel} · priority ${t.priority} · SLA ${t.slaState ?? '—'}`),
          h(
            'p',
            {},
            'Contact: ',
            out.contact && may('contacts.read')
              ? h(
                  'a#ticket-contact',
                  { href: `#/contact/${out.contact.id}` },
                  out.contact.name ?? 'open',
                )
              : (out.contact?.name ?? '—'),
          ),
          h('p', {}, `Escalated: ${t.escalationReason ?? '—'}`),
          h('h3', {}, `Urgency ${t.urgency}`),
          h(
            'ul',
            {},
            ...(t.urgencyParts ?? []).map((p) => h('li', {}, `${p.reason}: ${p.points}`)),
          ),
        ),
        h('div.card', {}, h('h3', {}, 'Actions'), ...actions),
        ...ticketWork(id, out),
      ),
    ),
  );
}
