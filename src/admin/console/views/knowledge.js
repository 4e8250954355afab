// @ts-check
/* global location, setTimeout */
// The knowledge base: the article list with its filters, and beside it (here and in the article
// editor) the intent model's status and "Try the bot".

import { api, attempt, may } from '../api.js';
import { h, main, setServerHtml } from '../dom.js';
import { fmtDate, pct, qs } from '../format.js';
import { table as makeTable } from '../table.js';

/** @typedef {import('../api-types.js').Article} Article */
/** @typedef {import('../api-types.js').ModelLocale} ModelLocale */

export async function viewKnowledge() {
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
  const rows = h('tbody');
  const modelBox = h('div#model-status');
  const load = async () => {
    const out = await api(
      'GET',
      `/articles${qs({ q: q.value, tag: tag.value, locale: locale.value, status: status.value })}`,
    );
    if (tag.options.length === 1)
      for (const t of out.tags) tag.append(h('option', { value: t }, t));
    rows.replaceChildren(
      ...out.articles.map((/** @type {Article} */ a) =>
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
          makeTable(['Key', 'Title', 'Tags', 'Status', 'Version', 'Updated'], rows),
        ),
      ),
      h('div.side', {}, modelBox, tryTheBot()),
    ),
  );
  await Promise.all([load(), renderModelStatus(modelBox)]);
}

/**
 * Shows the intent model's status per locale in `box`; answers whether every locale is live.
 * @param {HTMLElement} box
 */
export async function renderModelStatus(box) {
  /** @type {{ locales: ModelLocale[] }} */
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

/** "Try the bot": asks the bot a question as a customer would, and shows what it does. */
export function tryTheBot(initial = '') {
  const input = h('input.wide#try-text', {
    type: 'text',
    value: initial,
    placeholder: 'Ask what a customer would ask',
  });
  const result = h('div#try-result');
  /** @param {Event} event */
  const ask = async (event) => {
    event.preventDefault();
    const out = await attempt(() => api('POST', '/bot/try', { text: input.value }));
    if (!out) return;
    const answer = h('div.preview');
    if (out.answerHtml) setServerHtml(answer, out.answerHtml);
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
            out.runnersUp
              .map(
                (/** @type {{ intent: string, score: number }} */ r) =>
                  `${r.intent} ${r.score.toFixed(2)}`,
              )
              .join(', '),
          )
        : '',
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

/** Refreshes the model status until every locale is live again (or the view changed). */
/** @param {HTMLElement} box */
export async function pollModel(box) {
  for (let i = 0; i < 300 && box.isConnected; i += 1) {
    if (await renderModelStatus(box)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
