// @ts-check
// The audit log: every admin action, filtered by subject, with its CSV.

import { API, api, attempt } from '../api.js';
import { h, main } from '../dom.js';
import { fmtDate, qs } from '../format.js';
import { table } from '../table.js';

/** The audit log view. */
export async function viewAudit() {
  const subject = h('input', {
    type: 'search',
    placeholder: 'subject, e.g. article:order-status.en',
  });
  const body = h('tbody');
  const load = async () => {
    /** @type {{ events: import('../api-types.js').AuditEvent[] }} */
    const out = await api('GET', `/audit${qs({ subject: subject.value })}`);
    body.replaceChildren(
      ...out.events.map((e) =>
        h(
          'tr',
          {},
          h('td.muted', {}, fmtDate(e.at)),
          h('td', {}, e.actor),
          h('td', {}, e.action),
          h('td', {}, e.subject),
          h('td.diff', {}, e.before === undefined ? '' : JSON.stringify(e.before)),
          h('td.diff', {}, e.after === undefined ? '' : JSON.stringify(e.after)),
        ),
      ),
    );
  };
  subject.addEventListener('change', () => void attempt(load));
  main.replaceChildren(
    h(
      'div.card',
      {},
      h('h2', {}, 'Audit log ', h('a', { href: `${API}/audit.csv` }, 'CSV')),
      subject,
      table(['When', 'Who', 'What', 'Subject', 'Before', 'After'], body),
    ),
  );
  await load();
}
