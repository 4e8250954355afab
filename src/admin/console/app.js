/* global document, window, location, fetch, setTimeout, clearTimeout, URLSearchParams, Node */
// The Switchboard admin console: plain ES module, no build step. It talks only to the documented
// REST API under /api/v1/admin (docs/admin-api.md): a session cookie plus the CSRF token from
// /auth/me on every write. Text from the server is always put in the page as text; the only HTML
// inserted is the answer preview the server rendered and sanitized.

import { viewAgents } from './agents.js';
import { ticketWork } from './ticket-work.js';
import { offersCard } from './offers.js';

const API = '/api/v1/admin';
const main = document.getElementById('main');
const notice = document.getElementById('notice');
let me = null;
let csrf = null;
const charts = [];

// ---- helpers ------------------------------------------------------------------------------

/** Builds an element: h('tag.class#id', {attrs, on: {event: fn}}, ...children). */
function h(spec, attrs = {}, ...children) {
  const [tagAndClasses, id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else if (value !== false && value !== undefined && value !== null)
      el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function show(message, ok = false) {
  notice.textContent = message;
  notice.className = ok ? 'ok' : '';
  notice.hidden = !message;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.field = body?.error?.field;
  }
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(`${API}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/auth/login') {
      me = null;
      renderLogin();
    }
    throw new ApiError(res.status, json);
  }
  return json;
}

/** Runs an action, showing its error (or success message) in the notice bar. */
async function attempt(fn, success) {
  try {
    const out = await fn();
    if (success) show(success, true);
    return out;
  } catch (error) {
    show(error.field ? `${error.message}` : error.message);
    return undefined;
  }
}

const may = (permission) => me?.permissions.includes(permission);
const fmtDate = (v) => (v ? new Date(v).toLocaleString() : '—');
const pct = (v) => `${(v * 100).toFixed(0)} %`;
const fmtSecs = (s) =>
  s === null || s === undefined
    ? '—'
    : s < 120
      ? `${Math.round(s)} s`
      : s < 7200
        ? `${Math.round(s / 60)} min`
        : `${(s / 3600).toFixed(1)} h`;
const qs = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== '' && v !== undefined && v !== null) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
};

// ---- session ------------------------------------------------------------------------------

function renderLogin(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('who').textContent = '';
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
            csrf = out.csrfToken;
            show('');
            await start();
          } catch (error) {
            show(error.message);
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

async function start() {
  try {
    const out = await api('GET', '/auth/me');
    me = { ...out.principal, permissions: out.permissions };
    csrf = out.csrfToken;
  } catch {
    renderLogin();
    return;
  }
  document.getElementById('who').textContent = `${me.name} (${me.role})`;
  document.getElementById('logout').hidden = false;
  const nav = document.getElementById('nav');
  nav.hidden = false;
  for (const a of nav.querySelectorAll('a')) a.hidden = !may(a.dataset.perm);
  route();
}

document.getElementById('logout').addEventListener('click', async () => {
  await attempt(() => api('POST', '/auth/logout'));
  me = null;
  csrf = null;
  renderLogin();
});

// ---- routing ------------------------------------------------------------------------------

const views = {
  kb: viewKnowledge,
  article: viewArticle,
  tickets: viewTickets,
  ticket: viewTicket,
  learning: viewLearning,
  dashboard: viewDashboard,
  audit: viewAudit,
  contacts: viewContacts,
  accounts: viewAccounts,
  agents: () => viewAgents({ h, api, attempt, route, main }),
};

function route() {
  if (!me) return;
  while (charts.length) charts.pop().destroy();
  const [, name = 'kb', ...rest] = location.hash.split('/');
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('active', a.getAttribute('href') === `#/${name}`);
  const view = views[name] ?? viewKnowledge;
  main.replaceChildren(h('p.muted', {}, 'Loading…'));
  Promise.resolve(view(...rest.map(decodeURIComponent))).catch((error) => show(error.message));
}
window.addEventListener('hashchange', route);

// ---- knowledge base -----------------------------------------------------------------------

async function viewKnowledge() {
  const q = h('input#kb-q', { type: 'search', placeholder: 'Search words' });
  const tag = h('select#kb-tag', {}, h('option', { value: '' }, 'any tag'));
  const locale = h(
    'select#kb-locale',
    {},
    h('option', { value: '' }, 'any locale'),
    h('option', { value: 'en' }, 'en'),
    h('option', { value: 'zh' }, 'zh'),
  );
  const status = h(
    'select#kb-status',
    {},
    h('option', { value: '' }, 'any status'),
    h('option', { value: 'published' }, 'published'),
    h('option', { value: 'draft' }, 'draft'),
  );
  const table = h('tbody');
  const modelBox = h('div#model-status');
  const load = async () => {
    const out = await api(
      'GET',
      `/articles${qs({ q: q.value, tag: tag.value, locale: locale.value, status: status.value })}`,
    );
    if (tag.options.length === 1)
      for (const t of out.tags) tag.append(h('option', { value: t }, t));
    table.replaceChildren(
      ...out.articles.map((a) =>
        h(
          'tr.clickable',
          {
            dataset: { key: a.key },
            on: { click: () => (location.hash = `#/article/${encodeURIComponent(a.key)}`) },
          },
          h('td', {}, a.key),
          h('td', {}, a.title),
          h('td', {}, a.tags.join(', ')),
          h('td', {}, h(`span.badge.${a.status}`, {}, a.status)),
          h('td', {}, `v${a.version}`),
          h('td.muted', {}, fmtDate(a.updatedAt)),
        ),
      ),
    );
  };
  for (const el of [tag, locale, status]) el.addEventListener('change', load);
  q.addEventListener('input', () => void load());
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
          h('h2', {}, 'Knowledge base'),
          h(
            'form.inline',
            {
              on: {
                submit: (e) => {
                  e.preventDefault();
                  void load();
                },
              },
            },
            q,
            tag,
            locale,
            status,
          ),
          may('kb.write')
            ? h(
                'p',
                {},
                h(
                  'button.secondary#new-article',
                  { type: 'button', on: { click: () => (location.hash = '#/article/new') } },
                  'New article',
                ),
              )
            : null,
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Key', 'Title', 'Tags', 'Status', 'Version', 'Updated'].map((t) =>
                  h('th', {}, t),
                ),
              ),
            ),
            table,
          ),
        ),
      ),
      h('div.side', {}, modelBox, tryTheBot()),
    ),
  );
  await Promise.all([load(), renderModelStatus(modelBox)]);
}

async function renderModelStatus(box) {
  const out = await api('GET', '/model');
  box.replaceChildren(
    h(
      'div.card',
      {},
      h('h3', {}, 'Intent model'),
      ...out.locales.map((l) =>
        h(
          'p',
          { dataset: { locale: l.locale, hash: l.publishedHash } },
          `${l.locale}: ${l.publishedArticles} published — `,
          l.live
            ? h('span.badge.live.model-live', {}, `live since ${fmtDate(l.trainedAt)}`)
            : h('span.badge.training', {}, `training (${l.training ?? 'queued'})`),
          l.live && l.expectedPrecision !== null
            ? h(
                'span.muted.model-precision',
                {},
                ` · expected answer precision ${pct(l.expectedPrecision)}, answers ${pct(l.answerRate ?? 0)} of questions`,
              )
            : null,
        ),
      ),
    ),
  );
  return out.locales.every((l) => l.live);
}

function tryTheBot(initial = '') {
  const input = h('input.wide#try-text', {
    type: 'text',
    value: initial,
    placeholder: 'Ask what a customer would ask',
  });
  const result = h('div#try-result');
  const ask = async (event) => {
    event.preventDefault();
    const out = await attempt(() => api('POST', '/bot/try', { text: input.value }));
    if (!out) return;
    const answer = h('div.preview');
    if (out.answerHtml) answer.innerHTML = out.answerHtml; // sanitized by the server
    result.replaceChildren(
      h(
        'p',
        {},
        'Intent: ',
        h('strong#try-intent', {}, out.intent ?? '(none)'),
        out.title ? ` — ${out.title}` : '',
        ` · score ${out.score.toFixed(2)} · ${out.locale}`,
        out.live ? '' : ' · (previous model: training)',
      ),
      h('p', {}, `Action: ${out.action}${out.reason ? ` (${out.reason})` : ''}`),
      answer,
      out.runnersUp.length
        ? h(
            'p.muted',
            {},
            'Runners-up: ',
            out.runnersUp.map((r) => `${r.intent} ${r.score.toFixed(2)}`).join(', '),
          )
        : null,
    );
  };
  return h(
    'form.card#try-form',
    { on: { submit: ask } },
    h('h3', {}, 'Try the bot'),
    input,
    h('p', {}, h('button#try-submit', { type: 'submit' }, 'Ask')),
    result,
  );
}

/** The published answer, rendered and sanitized by the server, next to a draft. */
function liveAnswer(html) {
  const box = h('div.preview#art-live');
  box.innerHTML = html;
  return box;
}

async function viewArticle(key) {
  const isNew = key === 'new';
  const article = isNew
    ? {
        id: '',
        locale: 'en',
        title: '',
        tags: [],
        questions: [],
        answer: '',
        status: 'draft',
        version: 0,
        revision: null,
      }
    : await api('GET', `/articles/${encodeURIComponent(key)}`);
  // A published article is edited as a draft: customers keep the live text until it is published.
  let published = !isNew && article.status === 'published';
  const draft = article.draft ?? null;
  const shown = draft ?? article;
  const canWrite = may('kb.write');
  const ro = !canWrite;
  const id = h('input#art-id', { type: 'text', value: article.id, disabled: !isNew });
  const locale = h('input#art-locale', {
    type: 'text',
    value: article.locale,
    disabled: !isNew,
    size: 3,
  });
  const title = h('input.wide#art-title', { type: 'text', value: shown.title, disabled: ro });
  const tags = h('input.wide#art-tags', {
    type: 'text',
    value: shown.tags.join(', '),
    disabled: ro,
  });
  const questions = h('textarea#art-questions', { disabled: ro });
  questions.value = shown.questions.join('\n');
  const answer = h('textarea#art-answer', { disabled: ro });
  answer.value = shown.answer;
  const preview = h('div.preview#art-preview');
  let baseRevision = article.revision;
  const renderPreview = async () => {
    const out = await api('POST', '/articles/preview', { answer: answer.value });
    preview.innerHTML = out.html; // sanitized by the server
  };
  let timer;
  answer.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void attempt(renderPreview), 250);
  });
  const fields = () => ({
    title: title.value,
    tags: tags.value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    questions: questions.value
      .split('\n')
      .map((t) => t.trim())
      .filter(Boolean),
    answer: answer.value,
  });
  const history = h('div#art-history');
  const modelBox = h('div#model-status');
  const save = async () => {
    if (isNew) {
      const out = await attempt(
        () => api('POST', '/articles', { id: id.value, locale: locale.value, ...fields() }),
        'Created as a draft',
      );
      if (out) location.hash = `#/article/${encodeURIComponent(out.key)}`;
      return;
    }
    if (published) {
      const kept = await attempt(
        () =>
          api('PUT', `/articles/${encodeURIComponent(key)}/draft`, { ...fields(), baseRevision }),
        'Draft saved: not live until you publish it',
      );
      if (kept) route();
      return;
    }
    const out = await attempt(
      () => api('PUT', `/articles/${encodeURIComponent(key)}`, { ...fields(), baseRevision }),
      'Saved',
    );
    if (out) {
      baseRevision = out.revision.revision;
      await loadHistory();
      await renderModelStatus(modelBox);
    }
  };
  const setStatus = async (action) => {
    const out = await attempt(
      () => api('POST', `/articles/${encodeURIComponent(key)}/${action}`, {}),
      action === 'publish' ? 'Published: the bot retrains in the background' : 'Unpublished',
    );
    if (out) {
      baseRevision = out.revision.revision;
      statusBadge.textContent = out.revision.status;
      statusBadge.className = `badge ${out.revision.status}`;
      // From now on a save is a draft (or, unpublished, an edit again).
      published = out.revision.status === 'published';
      saveButton.textContent = published ? 'Save draft' : 'Save';
      await loadHistory();
      await pollModel(modelBox);
    }
  };
  const statusBadge = h(`span.badge.${article.status}#art-status`, {}, article.status);
  const saveButton = h(
    'button#art-save',
    { type: 'button', on: { click: () => void save() } },
    isNew ? 'Create draft' : published ? 'Save draft' : 'Save',
  );
  const draftAction = async (action) => {
    const out = await attempt(
      () =>
        action === 'publish'
          ? api('POST', `/articles/${encodeURIComponent(key)}/draft/publish`, {})
          : api('DELETE', `/articles/${encodeURIComponent(key)}/draft`),
      action === 'publish'
        ? 'Draft published: the bot retrains in the background'
        : 'Draft discarded',
    );
    if (out) route();
  };
  const draftCard = draft
    ? h(
        'div.card#art-draft',
        {},
        h('h3', {}, 'Draft — not live'),
        h(
          'p.muted',
          {},
          `Saved by ${draft.by}, ${fmtDate(draft.at)}. The editor and its preview show the draft; customers, the bot and the help centre still get the published answer:`,
        ),
        liveAnswer(article.answerHtml),
        canWrite
          ? h(
              'p.row',
              {},
              h(
                'button#art-publish-draft',
                { type: 'button', on: { click: () => void draftAction('publish') } },
                'Publish draft',
              ),
              h(
                'button.secondary#art-discard-draft',
                { type: 'button', on: { click: () => void draftAction('discard') } },
                'Discard draft',
              ),
            )
          : null,
      )
    : null;
  const loadHistory = async () => {
    if (isNew) return;
    const out = await api('GET', `/articles/${encodeURIComponent(key)}/revisions`);
    history.replaceChildren(
      h('h3', {}, 'History'),
      h(
        'table',
        {},
        h(
          'tbody',
          {},
          ...out.revisions.map((r) =>
            h(
              'tr',
              {},
              h('td', {}, `#${r.revision}`),
              h('td', {}, r.action),
              h('td', {}, h(`span.badge.${r.status}`, {}, r.status)),
              h('td', {}, r.by),
              h('td.muted', {}, fmtDate(r.at)),
              h(
                'td',
                {},
                h(
                  'button.secondary',
                  { type: 'button', on: { click: () => void showDiff(r.revision) } },
                  'Diff',
                ),
                canWrite && r.revision !== out.revisions[0].revision
                  ? h(
                      'button.secondary',
                      { type: 'button', on: { click: () => void rollback(r.revision) } },
                      'Restore',
                    )
                  : null,
              ),
            ),
          ),
        ),
      ),
      h('div.diff#art-diff'),
    );
  };
  const showDiff = async (revision) => {
    const out = await api('GET', `/articles/${encodeURIComponent(key)}/revisions/${revision}`);
    document
      .getElementById('art-diff')
      .replaceChildren(
        h('p.muted', {}, `Revision ${out.diff.from ?? '—'} → ${out.diff.to}`),
        ...out.diff.changes.map((c) => h(`span.${c.kind}`, {}, c.text)),
      );
  };
  const rollback = async (revision) => {
    const out = await attempt(
      () => api('POST', `/articles/${encodeURIComponent(key)}/rollback`, { revision }),
      `Restored revision ${revision}`,
    );
    if (out) route();
  };
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
          h('h2', {}, isNew ? 'New article' : article.title, ' ', isNew ? null : statusBadge),
          published && !draft && canWrite
            ? h(
                'p.muted#art-draft-hint',
                {},
                'Published: saving keeps your edit as a draft until you publish it.',
              )
            : null,
          h(
            'div.row',
            {},
            h('div', {}, h('label', { for: 'art-id' }, 'Id'), id),
            h('div', {}, h('label', { for: 'art-locale' }, 'Locale'), locale),
          ),
          h('label', { for: 'art-title' }, 'Title'),
          title,
          h('label', { for: 'art-tags' }, 'Tags (comma-separated)'),
          tags,
          h('label', { for: 'art-questions' }, 'Question variants (one per line)'),
          questions,
          h('label', { for: 'art-answer' }, 'Answer (markdown)'),
          answer,
          h('label', {}, 'Preview'),
          preview,
          canWrite
            ? h(
                'p.row',
                {},
                saveButton,
                isNew
                  ? null
                  : h(
                      'button.secondary#art-publish',
                      { type: 'button', on: { click: () => void setStatus('publish') } },
                      'Publish',
                    ),
                isNew
                  ? null
                  : h(
                      'button.secondary#art-unpublish',
                      { type: 'button', on: { click: () => void setStatus('unpublish') } },
                      'Unpublish',
                    ),
              )
            : h(
                'p.muted#art-readonly',
                {},
                'Read only: your role may not edit the knowledge base.',
              ),
        ),
        draftCard,
        history,
      ),
      h('div.side', {}, modelBox, tryTheBot(article.questions[0] ?? '')),
    ),
  );
  await Promise.all([attempt(renderPreview), loadHistory(), renderModelStatus(modelBox)]);
}

/** Refreshes the model status until every locale is live again (or the view changed). */
async function pollModel(box) {
  for (let i = 0; i < 300 && box.isConnected; i += 1) {
    if (await renderModelStatus(box)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// ---- tickets ------------------------------------------------------------------------------

/** HTML the server rendered from markdown and sanitized (the transcript's answers). */
function renderedHtml(html) {
  const box = h('div.rendered');
  box.innerHTML = html;
  return box;
}

async function viewTickets() {
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
      ...['', 'api', 'email', 'sms', 'slack', 'webchat'].map((s) =>
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
    offersCard({ h, api, attempt, may }, agents, me) ?? '',
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
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              '#',
              'Channel',
              'Status',
              'Subject / first words',
              'Urgency',
              'SLA',
              'Assignee',
              'Tags',
              'Created',
            ].map((t) => h('th', {}, t)),
          ),
        ),
        body,
      ),
      h('p.pager', {}, prev, ' ', next),
    ),
  );
  await load();
}

async function viewTicket(id) {
  const out = await api('GET', `/tickets/${id}`);
  const t = out.ticket;
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
                const wanted = tagInput.value
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean);
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
            m.html ? renderedHtml(m.html) : h('div', {}, m.text),
            m.deliveryError
              ? h('p.error.delivery-error', {}, `Not delivered: ${m.deliveryError}`)
              : null,
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
          h('p', {}, `Contact: ${out.contact?.name ?? '—'}`),
          h('p', {}, `Escalated: ${t.escalationReason ?? '—'}`),
          h('h3', {}, `Urgency ${t.urgency}`),
          h(
            'ul',
            {},
            ...(t.urgencyParts ?? []).map((p) => h('li', {}, `${p.reason}: ${p.points}`)),
          ),
        ),
        h('div.card', {}, h('h3', {}, 'Actions'), ...actions),
        ...ticketWork({ h, api, attempt, route, may, fmtDate, show }, id, out),
      ),
    ),
  );
}

// ---- learning loop ------------------------------------------------------------------------

async function viewLearning() {
  const [unanswered, suggestions, report, uncovered, retrains] = await Promise.all([
    api('GET', '/learning/unanswered'),
    api('GET', '/learning/suggestions'),
    api('GET', '/learning/report?days=7'),
    api('GET', '/learning/negatives?status=pending'),
    api('GET', '/learning/retrains?limit=12'),
  ]);
  const reportBox = h(
    'div.card#learning-report',
    {},
    h('h3', {}, 'Last week'),
    h(
      'p',
      {},
      `${report.escalations} questions escalated; the bot now answers ${report.nowAnswered}, of which ${report.answeredByApprovedSuggestions} through approved suggestions`,
      report.share === null ? '' : ` (${(report.share * 100).toFixed(0)} %)`,
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
          h('h2', {}, 'Suggested answers'),
          suggestions.suggestions.length === 0 ? h('p.muted', {}, 'Nothing to review.') : null,
          ...suggestions.suggestions.map(suggestionCard),
        ),
      ),
      h(
        'div.col',
        {},
        reportBox,
        retrainsCard(retrains.retrains),
        uncoveredCard(uncovered.negatives),
        h(
          'div.card#unanswered',
          {},
          h('h2', {}, `Unanswered (${unanswered.total})`),
          h(
            'table',
            {},
            h(
              'tbody',
              {},
              ...unanswered.clusters.map((c) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('strong', {}, String(c.count))),
                  h(
                    'td',
                    {},
                    c.newest.text,
                    h('div.muted', {}, `${c.terms.join(', ')} · newest ${fmtDate(c.newest.at)}`),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** A share as a percentage, or a dash when unknown. */
function pctOrDash(value) {
  return value === null || value === undefined ? '—' : pct(value);
}

/**
 * Each retrain's learning report: what the model was trained with and, on the held-out slice of
 * real questions, answer precision and self-service of the model it replaced and of itself.
 */
function retrainsCard(retrains) {
  const change = (r, key) =>
    `${r.before ? pctOrDash(r.before[key]) : '—'} → ${pctOrDash(r.after[key])}`;
  return h(
    'div.card#retrains',
    {},
    h('h2', {}, 'Retrains'),
    retrains.length === 0
      ? h('p.muted', {}, 'No training recorded yet.')
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                'Trained',
                'Locale',
                'Negatives',
                'Held out',
                'Answer precision',
                'Self-service',
                'Expected precision',
              ].map((t) => h('th', {}, t)),
            ),
          ),
          h(
            'tbody',
            {},
            ...retrains.map((r) =>
              h(
                'tr.retrain',
                { dataset: { id: r.id } },
                h('td', {}, fmtDate(r.trainedAt)),
                h('td', {}, r.locale),
                h('td.negatives', {}, String(r.negatives)),
                h('td', {}, `${r.heldOut.inScope} + ${r.heldOut.outOfScope}`),
                h('td.precision', {}, change(r, 'answerPrecision')),
                h('td.self-service', {}, change(r, 'selfService')),
                h('td', {}, pctOrDash(r.expectedPrecision)),
              ),
            ),
          ),
        ),
    h(
      'p.muted',
      {},
      'Held out: questions customers confirmed an article answers + questions agents answered with what no article says, never trained on. Before → after: the replaced model, then the new one.',
    ),
  );
}

/** How the review queue names each kind of uncovered question. */
const NEGATIVE_KINDS = {
  unhelpful: 'answer did not help',
  'agent-answered': 'answered by an agent',
};

/** A lower-case article id drawn from a question (the admin edits it before creating). */
function articleIdFrom(text) {
  const id = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return id || `article-${Date.now().toString(36)}`;
}

/**
 * Questions the knowledge base does not cover, of both kinds (the customer said the answer did not
 * help; an agent answered what the bot handed over): keep (trained as "hand over"), drop, add to
 * an article as an extra question, or — with an agent's answer — make it a new article.
 */
function uncoveredCard(negatives) {
  const canWrite = may('learning.write');
  const decide = (n, verb, body) =>
    void attempt(
      () => api('POST', `/learning/negatives/${encodeURIComponent(n.id)}/${verb}`, body ?? {}),
      verb === 'keep' ? 'Kept: the bot retrains and will hand such questions over' : 'Done',
    ).then(route);
  const row = (n) => {
    const articleKey = h('input', {
      type: 'text',
      placeholder: `article key, e.g. returns.${n.locale}`,
      value: n.articleId ? `${n.articleId}.${n.locale}` : '',
    });
    return h(
      'tr.negative',
      { dataset: { id: n.id } },
      h('td', {}, h('strong', {}, String(n.count))),
      h(
        'td',
        {},
        n.text,
        h(
          'div.muted',
          {},
          h('span.kind', {}, NEGATIVE_KINDS[n.source] ?? n.source),
          ` · ${n.locale}`,
          n.articleId ? ` · the answer "${n.articleId}" did not help` : '',
        ),
        n.agentAnswer
          ? h(
              'blockquote.agent-answer',
              {},
              h('strong', {}, `${n.agentAnswer.agentName ?? 'Agent'}: `),
              n.agentAnswer.text,
            )
          : null,
        canWrite && n.agentAnswer ? newArticleForm(n, decide) : null,
        canWrite
          ? h(
              'div',
              {},
              h('button.keep', { type: 'button', on: { click: () => decide(n, 'keep') } }, 'Keep'),
              ' ',
              h(
                'button.secondary.drop',
                { type: 'button', on: { click: () => decide(n, 'drop') } },
                'Drop',
              ),
              ' ',
              articleKey,
              ' ',
              h(
                'button.secondary.convert',
                {
                  type: 'button',
                  on: {
                    click: () =>
                      decide(n, 'convert', {
                        kind: 'variant',
                        articleKey: articleKey.value.trim(),
                        question: n.text,
                      }),
                  },
                },
                'Add to article',
              ),
            )
          : null,
      ),
    );
  };
  return h(
    'div.card#uncovered',
    {},
    h('h2', {}, `Not covered (${negatives.length})`),
    negatives.length === 0 ? h('p.muted', {}, 'Nothing to review.') : null,
    h('table', {}, h('tbody', {}, ...negatives.map(row))),
  );
}

/** A new article from a question and the agent's answer to it (published on creation). */
function newArticleForm(n, decide) {
  const id = h('input.article-id', { type: 'text', value: articleIdFrom(n.text) });
  const title = h('input.wide.article-title', { type: 'text', value: n.text });
  const answer = h('textarea.article-answer', {});
  answer.value = n.agentAnswer.text;
  return h(
    'details.new-article',
    {},
    h('summary', {}, 'New article from this answer'),
    h('label', {}, 'Article id'),
    id,
    h('label', {}, 'Title'),
    title,
    h('label', {}, 'Answer'),
    answer,
    h(
      'p',
      {},
      h(
        'button.create-article',
        {
          type: 'button',
          on: {
            click: () =>
              decide(n, 'convert', {
                kind: 'article',
                id: id.value.trim(),
                title: title.value.trim(),
                questions: [n.text],
                answer: answer.value,
              }),
          },
        },
        'Create article',
      ),
    ),
  );
}

function suggestionCard(s) {
  const id = h('input', {
    type: 'text',
    value: s.question
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60),
  });
  const title = h('input.wide', { type: 'text', value: s.question });
  const questions = h('textarea', {});
  questions.value = s.question;
  const answer = h('textarea', {});
  answer.value = s.answer;
  const articleKey = h('input', { type: 'text', value: s.articleKey ?? '' });
  const kind = h(
    'select',
    {},
    h('option', { value: 'article', selected: s.kind === 'article' }, 'new article'),
    h('option', { value: 'variant', selected: s.kind === 'variant' }, 'question variant of'),
  );
  const canWrite = may('learning.write');
  const approve = async () => {
    const body =
      kind.value === 'variant'
        ? { kind: 'variant', articleKey: articleKey.value, question: s.question }
        : {
            kind: 'article',
            id: id.value,
            title: title.value,
            questions: questions.value
              .split('\n')
              .map((q) => q.trim())
              .filter(Boolean),
            answer: answer.value,
          };
    const out = await attempt(
      () => api('POST', `/learning/suggestions/${encodeURIComponent(s.id)}/approve`, body),
      'Approved: the bot retrains in the background',
    );
    if (out) await watchAnswered(card, s.id);
  };
  const card = h(
    'div.card.suggestion',
    { dataset: { id: s.id } },
    h(
      'p',
      {},
      h('strong', {}, 'Customer: '),
      s.question,
      h('span.muted', {}, ` — ticket #${s.ticketNumber ?? '?'}`),
    ),
    h('p', {}, h('strong', {}, `${s.agentName ?? 'Agent'}: `), s.answer),
    canWrite
      ? h(
          'div',
          {},
          kind,
          ' ',
          articleKey,
          h('label', {}, 'Article id'),
          id,
          h('label', {}, 'Title'),
          title,
          h('label', {}, 'Questions'),
          questions,
          h('label', {}, 'Answer'),
          answer,
          h(
            'p',
            {},
            h('button.approve', { type: 'button', on: { click: () => void approve() } }, 'Approve'),
            ' ',
            h(
              'button.secondary',
              {
                type: 'button',
                on: {
                  click: () =>
                    void attempt(
                      () =>
                        api(
                          'POST',
                          `/learning/suggestions/${encodeURIComponent(s.id)}/dismiss`,
                          {},
                        ),
                      'Dismissed',
                    ).then(route),
                },
              },
              'Dismiss',
            ),
          ),
        )
      : null,
    h('div.answered'),
  );
  return card;
}

/** After approval: asks the bot the question until the new model answers it. */
async function watchAnswered(card, id) {
  const box = card.querySelector('.answered');
  for (let i = 0; i < 300 && card.isConnected; i += 1) {
    const out = await api('GET', `/learning/suggestions/${encodeURIComponent(id)}`);
    if (out.bot.live && out.bot.action === 'reply' && out.bot.title) {
      box.replaceChildren(
        h(
          'p.now-answered',
          {},
          `Now answered: ${out.bot.title} (score ${out.bot.score.toFixed(2)})`,
        ),
      );
      return;
    }
    box.replaceChildren(h('p.muted', {}, 'Training…'));
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// ---- dashboard ----------------------------------------------------------------------------

const COLORS = ['#3a66c4', '#e07b39', '#3f9d5a', '#b3261e', '#8a5cc2', '#c9a227'];

async function viewDashboard() {
  const today = new Date();
  const from = h('input#dash-from', {
    type: 'date',
    value: new Date(today.getTime() - 6 * 86400000).toISOString().slice(0, 10),
  });
  const to = h('input#dash-to', { type: 'date', value: today.toISOString().slice(0, 10) });
  const channel = h(
    'select#dash-channel',
    {},
    ...['', 'api', 'email', 'sms', 'slack', 'webchat'].map((c) =>
      h('option', { value: c }, c || 'all channels'),
    ),
  );
  const grid = h('div.charts');
  const params = () =>
    qs({
      from: `${from.value}T00:00:00Z`,
      to: new Date(new Date(`${to.value}T00:00:00Z`).getTime() + 86400000).toISOString(),
      channel: channel.value,
    });
  const load = async () => {
    while (charts.length) charts.pop().destroy();
    const d = await api('GET', `/dashboard${params()}`);
    const panel = (key, title, summary, config) => {
      const canvas = h('canvas', { id: `chart-${key}` });
      const box = h(
        'div.card.chart',
        { dataset: { chart: key } },
        h(
          'h3',
          {},
          title,
          ' ',
          h('a', { href: `${API}/dashboard/${key}.csv${params()}`, download: `${key}.csv` }, 'CSV'),
        ),
        summary ? h('p.muted', {}, summary) : null,
        canvas,
      );
      grid.append(box);
      charts.push(
        new window.Chart(canvas, {
          ...config,
          options: {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            ...(config.options ?? {}),
          },
        }),
      );
    };
    grid.replaceChildren();
    panel(
      'volume',
      'Tickets by channel',
      `per ${d.range.bucket}${d.truncated ? ' (truncated)' : ''}`,
      {
        type: 'bar',
        data: {
          labels: d.volume.buckets,
          datasets: d.volume.series.map((s, i) => ({
            label: s.channel,
            data: s.counts,
            backgroundColor: COLORS[i % COLORS.length],
          })),
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
      },
    );
    // Forecast against actual: the compared hours, then the next 24 (forecast only).
    const f = d.forecast;
    const hourLabel = (b) => `${b.slice(5, 10)} ${b.slice(11, 16)}`;
    const aheadTotal = f.ahead.forecast.reduce((a, b) => a + b, 0);
    panel(
      'forecast',
      'Demand forecast against actual',
      [
        f.hours.length === 0
          ? 'no complete hour in the range'
          : f.mape === null
            ? `no tickets in the ${f.hours.length} complete hours compared, so no error to measure`
            : `error (MAPE) ${f.mape.toFixed(1)} % over the last ${f.hours.length} complete hours`,
        f.runningHourActual > 0
          ? `${f.runningHourActual} tickets so far in the running hour (compared once it is complete)`
          : null,
        f.ahead.hours.length ? `next 24 h: ${aheadTotal.toFixed(0)} tickets forecast` : null,
        f.truncated ? '(history truncated)' : null,
      ]
        .filter(Boolean)
        .join(' · '),
      {
        type: 'line',
        data: {
          labels: [...f.hours, ...f.ahead.hours].map(hourLabel),
          datasets: [
            {
              label: 'actual',
              data: [...f.actual, ...f.ahead.hours.map(() => null)],
              borderColor: COLORS[0],
              backgroundColor: COLORS[0],
              pointRadius: 2,
            },
            {
              label: 'forecast',
              data: [...f.forecast, ...f.ahead.forecast],
              borderColor: COLORS[1],
              backgroundColor: COLORS[1],
              borderDash: [6, 4],
              pointRadius: 2,
            },
          ],
        },
        options: { scales: { y: { beginAtZero: true } } },
      },
    );
    const percent = (r) => (r === null ? '—' : `${(r * 100).toFixed(0)} %`);
    panel(
      'self-service',
      'Bot self-service',
      `${percent(d.selfService.rate)} of ${d.selfService.finished} finished conversations closed without an agent; ` +
        `first-contact resolution ${percent(d.firstContactResolution.rate)}, ` +
        `bot deflection ${percent(d.botDeflection.rate)} of ${d.botDeflection.tickets} conversations`,
      {
        type: 'doughnut',
        data: {
          labels: ['without an agent', 'with an agent'],
          datasets: [
            {
              data: [
                d.selfService.withoutAgent,
                d.selfService.finished - d.selfService.withoutAgent,
              ],
              backgroundColor: [COLORS[2], COLORS[0]],
            },
          ],
        },
      },
    );
    panel(
      'response-times',
      'First response and resolution',
      `first response (bot or agent) median ${fmtSecs(d.firstResponse.medianSeconds)} · agent's first response after hand-over median ${fmtSecs(d.agentFirstResponse.medianSeconds)}, p90 ${fmtSecs(d.agentFirstResponse.p90Seconds)} (${d.agentFirstResponse.count} tickets) · resolution median ${fmtSecs(d.resolution.medianSeconds)}, p90 ${fmtSecs(d.resolution.p90Seconds)}`,
      {
        type: 'bar',
        data: {
          labels: ['first response (bot or agent)', 'agent first response', 'resolution'],
          datasets: [
            {
              label: 'median (min)',
              data: [
                d.firstResponse.medianSeconds,
                d.agentFirstResponse.medianSeconds,
                d.resolution.medianSeconds,
              ].map((s) => (s ?? 0) / 60),
              backgroundColor: COLORS[0],
            },
            {
              label: 'p90 (min)',
              data: [
                d.firstResponse.p90Seconds,
                d.agentFirstResponse.p90Seconds,
                d.resolution.p90Seconds,
              ].map((s) => (s ?? 0) / 60),
              backgroundColor: COLORS[1],
            },
          ],
        },
      },
    );
    panel('sla', 'SLA', `${d.atRisk.length} tickets at risk now`, {
      type: 'bar',
      data: {
        labels: Object.keys(d.sla),
        datasets: [
          {
            label: 'tickets',
            data: Object.values(d.sla),
            backgroundColor: [COLORS[2], COLORS[3], COLORS[0], COLORS[5], '#aab'],
          },
        ],
      },
    });
    panel('agent-load', 'Agent load', null, {
      type: 'bar',
      data: {
        labels: d.agentLoad.map((a) => a.name),
        datasets: [
          { label: 'active', data: d.agentLoad.map((a) => a.active), backgroundColor: COLORS[0] },
          {
            label: 'capacity',
            data: d.agentLoad.map((a) => a.capacity),
            backgroundColor: '#c5cbd6',
          },
        ],
      },
    });
    panel(
      'csat',
      'CSAT',
      d.csat.average === null
        ? 'no ratings yet'
        : `average ${d.csat.average.toFixed(2)} from ${d.csat.responses} ratings`,
      {
        type: 'bar',
        data: {
          labels: ['1', '2', '3', '4', '5'],
          datasets: [{ label: 'ratings', data: d.csat.distribution, backgroundColor: COLORS[4] }],
        },
      },
    );
    grid.dataset.rendered = 'true';
  };
  for (const el of [from, to, channel]) el.addEventListener('change', () => void attempt(load));
  main.replaceChildren(
    h(
      'div.card',
      {},
      h('h2', {}, 'Service dashboard'),
      h('form.inline', {}, h('label', {}, 'From ', from), h('label', {}, 'To ', to), channel),
    ),
    grid,
  );
  await load();
}

// ---- contacts (GDPR) ----------------------------------------------------------------------

async function viewContacts() {
  if (!may('contacts.gdpr')) {
    // The API refuses it too (403); say so instead of an empty table.
    main.replaceChildren(
      h('div.card#contacts-refused', {}, h('h2', {}, 'Contacts'), h('p', {}, 'Admins only.')),
    );
    return;
  }
  const q = h('input#contact-q', { type: 'search', placeholder: 'email, phone or name' });
  const body = h('tbody#contact-rows');
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
    const out = await api('GET', `/contacts${qs({ q: q.value })}`);
    body.replaceChildren(
      ...out.contacts.map((c) =>
        h(
          'tr',
          { dataset: { contact: c.id } },
          h('td', {}, c.name ?? ''),
          h('td', {}, c.identities.map((i) => `${i.kind}: ${i.value}`).join(', ')),
          h('td.muted', {}, c.erasedAt ? `erased ${fmtDate(c.erasedAt)}` : ''),
          h(
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
          ),
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
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...['Name', 'Identities', '', ''].map((t) => h('th', {}, t)))),
        body,
      ),
    ),
  );
  await load();
}

// ---- audit log ----------------------------------------------------------------------------

async function viewAudit() {
  const subject = h('input', {
    type: 'search',
    placeholder: 'subject, e.g. article:order-status.en',
  });
  const body = h('tbody');
  const load = async () => {
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
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['When', 'Who', 'What', 'Subject', 'Before', 'After'].map((t) => h('th', {}, t)),
          ),
        ),
        body,
      ),
    ),
  );
  await load();
}

// ---- accounts and tokens ------------------------------------------------------------------

async function viewAccounts() {
  const [accounts, tokens] = await Promise.all([api('GET', '/accounts'), api('GET', '/tokens')]);
  const email = h('input', { type: 'email', placeholder: 'email' });
  const name = h('input', { type: 'text', placeholder: 'display name' });
  const password = h('input', { type: 'password', placeholder: 'password (12+)' });
  const role = h(
    'select',
    {},
    ...['agent', 'supervisor', 'admin'].map((r) => h('option', { value: r }, r)),
  );
  const slack = h('input', { type: 'text', placeholder: 'Slack user id (optional)', size: 14 });
  const tokenName = h('input', { type: 'text', placeholder: 'token name' });
  const tokenRole = h(
    'select',
    {},
    ...['agent', 'supervisor', 'admin'].map((r) => h('option', { value: r }, r)),
  );
  const shown = h('p.muted');
  main.replaceChildren(
    h(
      'div.card',
      {},
      h('h2', {}, 'Accounts'),
      h(
        'table',
        {},
        h(
          'tbody',
          {},
          ...accounts.accounts.map((a) =>
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
                a.email === me.id
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
      h(
        'table',
        {},
        h(
          'tbody',
          {},
          ...tokens.tokens.map((t) =>
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

void start();
