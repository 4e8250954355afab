// @ts-check
/* global location, setTimeout */
// Working a ticket from the console (issue 16 item 5): Take, Release, an answer to the customer
// (on their channel, or another address of theirs the gateway sends to), internal notes, the customer's earlier tickets, and new customer messages as they arrive. It
// uses the same API the rest of the console does; the server applies Slack's rules and tells Slack.

import { api, attempt, may, show } from '../api.js';
import { h } from '../dom.js';
import { fmtDate } from '../format.js';
import { route } from '../router.js';

/** @typedef {import('../api-types.js').TicketDetail} TicketDetail */
/** @typedef {import('../api-types.js').Contact} Contact */

/** How often the open ticket is checked for new messages and status changes. */
const POLL_MS = 4000;

/**
 * The work panels of a ticket view; `out` is `GET /tickets/:id`.
 * @param {string} id
 * @param {TicketDetail} out
 */
export function ticketWork(id, out) {
  const t = out.ticket;
  const canWrite = may('tickets.write');
  const reply = h('textarea#ticket-reply', { placeholder: 'Answer the customer (markdown)' });
  // Files sent with the answer: each uploaded for this ticket first, then named in the reply.
  const files = h('input#ticket-reply-files', {
    type: 'file',
    multiple: true,
    accept: 'application/pdf,image/png,image/jpeg,image/gif,image/webp,text/plain',
  });
  const note = h('textarea#ticket-note', { placeholder: 'Internal note: never sent' });
  // Where the answer goes: the ticket's own channel, or another address of the contact's.
  const channels = out.replyChannels ?? [];
  const via =
    channels.length > 1
      ? h(
          'select#ticket-reply-channel',
          {},
          ...channels.map((c) =>
            h(
              'option',
              { value: c.channel, selected: c.current },
              `${c.channel}: ${c.to.value}${c.current ? ' (this conversation)' : ''}`,
            ),
          ),
        )
      : null;
  /** Re-renders the ticket once the action succeeded. @param {Promise<unknown>} promise */
  const then = (promise) => void promise.then((ok) => ok && route());
  /**
   * @param {string} spec
   * @param {string} label
   * @param {() => void} onClick
   */
  const button = (spec, label, onClick) =>
    h(spec, { type: 'button', on: { click: onClick } }, label);

  const work = canWrite
    ? h(
        'div.card#ticket-work',
        {},
        h('h3', {}, 'Work on it'),
        h(
          'p',
          {},
          t.status === 'queued'
            ? button('button#ticket-take', 'Take', () =>
                then(attempt(() => api('POST', `/tickets/${id}/take`, {}), 'Taken')),
              )
            : null,
          t.status === 'assigned'
            ? button('button.secondary#ticket-release', 'Release', () =>
                then(attempt(() => api('POST', `/tickets/${id}/release`, {}), 'Released')),
              )
            : null,
          ' ',
          t.status === 'resolved'
            ? button('button.secondary#ticket-reopen', 'Reopen', () =>
                then(attempt(() => api('POST', `/tickets/${id}/reopen`, {}), 'Reopened')),
              )
            : null,
        ),
        reply,
        h(
          'p',
          {},
          h('label', {}, 'Attach ', files, ' '),
          via ? h('label', {}, 'Send on ', via, ' ') : null,
          button('button#ticket-send', via ? 'Send' : `Send on ${t.channel}`, () => {
            const text = reply.value.trim();
            if (!text) return;
            const channel = via && via.value !== t.channel ? { channel: via.value } : {};
            const chosen = [...(files.files ?? [])];
            then(
              attempt(async () => {
                /** @type {string[]} */
                const ids = [];
                for (const file of chosen) {
                  const name = encodeURIComponent(file.name || 'file');
                  const up = await api('POST', `/tickets/${id}/files?name=${name}`, file);
                  ids.push(String(up.file.id));
                }
                const attached = ids.length > 0 ? { files: ids } : {};
                return api('POST', `/tickets/${id}/reply`, { text, ...channel, ...attached });
              }, 'Sent to the customer').then((ok) => {
                if (ok) {
                  reply.value = '';
                  files.value = '';
                }
                return ok;
              }),
            );
          }),
        ),
        note,
        h(
          'p',
          {},
          button('button.secondary#ticket-add-note', 'Add note', () => {
            const text = note.value.trim();
            if (!text) return;
            then(
              attempt(() => api('POST', `/tickets/${id}/notes`, { text }), 'Note added').then(
                (ok) => {
                  if (ok) note.value = '';
                  return ok;
                },
              ),
            );
          }),
        ),
      )
    : null;

  const notes = h(
    'div.card#ticket-notes',
    {},
    h('h3', {}, `Notes (${out.notes.length})`),
    ...out.notes.map((n) =>
      h(
        'div.note',
        {},
        h('div.muted', {}, `${n.authorName} · ${n.source} · ${fmtDate(n.at)}`),
        h('div', {}, n.text),
        n.notSentBecause
          ? h('div.muted', {}, `Not sent to the customer: ${n.notSentBecause}`)
          : null,
      ),
    ),
  );

  const earlier = h(
    'div.card#ticket-earlier',
    {},
    h('h3', {}, 'Earlier tickets of this customer'),
    out.earlierTickets.length === 0 ? h('p.muted', {}, 'None.') : null,
    h(
      'ul',
      {},
      ...out.earlierTickets.map((e) =>
        h(
          'li',
          {},
          h('a', { href: `#/ticket/${e.id}` }, `#${e.number}`),
          ` ${e.status} · ${e.channel} · ${e.subject ?? ''} · ${fmtDate(e.createdAt)}`,
        ),
      ),
    ),
  );

  // Anything being edited (an answer, a note, the customer's fields) holds the live refresh back.
  let editingCustomer = false;
  const customer = out.contact
    ? customerCard(out.contact, (editing) => (editingCustomer = editing))
    : null;
  watch(id, out, () => !reply.value.trim() && !note.value.trim() && !editingCustomer);
  return [work, customer, notes, earlier];
}

/**
 * Re-renders the ticket when a message arrives or its status changes, unless the agent is typing
 * (then a line says so, and nothing they wrote is lost).
 */
/**
 * @param {string} id
 * @param {TicketDetail} out
 * @param {() => boolean} idle
 */
function watch(id, out, idle) {
  const seen = `${out.transcript.length}.${out.ticket.status}.${out.notes.length}`;
  const here = location.hash;
  const tick = async () => {
    if (location.hash !== here) return;
    let now;
    try {
      now = await api('GET', `/tickets/${id}`);
    } catch {
      setTimeout(tick, POLL_MS);
      return;
    }
    if (location.hash !== here) return;
    if (`${now.transcript.length}.${now.ticket.status}.${now.notes.length}` === seen) {
      setTimeout(tick, POLL_MS);
    } else if (idle()) {
      route();
    } else {
      show('New activity on this ticket: send or clear what you are writing to see it.', true);
      setTimeout(tick, POLL_MS);
    }
  };
  setTimeout(tick, POLL_MS);
}

/**
 * The customer's attributes: tier (it weighs in the urgency score), plan, company and custom
 * fields; editable by supervisors and admins.
 */
/**
 * @param {Contact} contact
 * @param {(editing: boolean) => void} onEdit
 */
function customerCard(contact, onEdit) {
  const a = contact.attributes ?? {};
  const custom = Object.entries(a.custom ?? {});
  if (!may('contacts.edit')) {
    return h(
      'div.card#ticket-customer',
      {},
      h('h3', {}, 'Customer'),
      h('p', {}, `Tier ${a.tier ?? '—'} · plan ${a.plan ?? '—'} · company ${a.company ?? '—'}`),
      ...custom.map(([k, v]) => h('p.muted', {}, `${k}: ${v}`)),
    );
  }
  /**
   * @param {string} name
   * @param {string | undefined} value
   * @param {string} placeholder
   */
  const field = (name, value, placeholder) =>
    /** @type {HTMLInputElement} */ (
      h(`input.${name}`, {
        type: 'text',
        value: value ?? '',
        placeholder,
        on: { input: () => onEdit(true) },
      })
    );
  const tier = field('tier', a.tier, 'vip, gold, silver…');
  const plan = field('plan', a.plan, 'plan');
  const company = field('company', a.company, 'company');
  const save = () => {
    /** @type {{ tier?: string, plan?: string, company?: string }} */
    const body = {};
    if (tier.value.trim()) body.tier = tier.value.trim();
    if (plan.value.trim()) body.plan = plan.value.trim();
    if (company.value.trim()) body.company = company.value.trim();
    void attempt(
      () => api('PATCH', `/contacts/${contact.id}/attributes`, body),
      'Customer saved: the tier counts from the next urgency score',
    ).then((ok) => ok && onEdit(false));
  };
  return h(
    'div.card#ticket-customer',
    {},
    h('h3', {}, 'Customer'),
    h('label', {}, 'Tier'),
    tier,
    h('label', {}, 'Plan'),
    plan,
    h('label', {}, 'Company'),
    company,
    ...custom.map(([k, v]) => h('p.muted', {}, `${k}: ${v}`)),
    h(
      'p',
      {},
      h('button.secondary#customer-save', { type: 'button', on: { click: save } }, 'Save'),
    ),
  );
}
