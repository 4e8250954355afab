// @ts-check
/* global location, setTimeout, clearTimeout */
// One article: the editor (a published article is edited as a draft), its live preview, the
// pending draft, and the revision history with diffs and restore.

import { api, attempt, may } from '../api.js';
import { byId, h, main, serverHtml, setServerHtml } from '../dom.js';
import { fmtDate, splitList } from '../format.js';
import { route } from '../router.js';
import { table } from '../table.js';
import { pollModel, renderModelStatus, tryTheBot } from './knowledge.js';

/** @typedef {import('../api-types.js').Article} Article */
/** @typedef {import('../api-types.js').Revision} Revision */

/**
 * The article editor; `key` is the article's key, or `new`.
 * @param {string} key
 */
export async function viewArticle(key) {
  const isNew = key === 'new';
  /** @type {Article} */
  const article = isNew
    ? {
        key: '',
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
    setServerHtml(preview, out.html);
  };
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  answer.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void attempt(renderPreview), 250);
  });
  const fields = () => ({
    title: title.value,
    tags: splitList(tags.value),
    questions: splitList(questions.value, '\n'),
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
  /** @param {'publish' | 'unpublish'} action */
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
  /** @param {'publish' | 'discard'} action */
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
        serverHtml('div.preview#art-live', article.answerHtml ?? ''),
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
    /** @type {{ revisions: Revision[] }} */
    const out = await api('GET', `/articles/${encodeURIComponent(key)}/revisions`);
    history.replaceChildren(
      h('h3', {}, 'History'),
      table(
        null,
        out.revisions.map((r) =>
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
              canWrite && r.revision !== out.revisions[0]?.revision
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
      h('div.diff#art-diff'),
    );
  };
  /** @param {number} revision */
  const showDiff = async (revision) => {
    const out = await api('GET', `/articles/${encodeURIComponent(key)}/revisions/${revision}`);
    byId('art-diff').replaceChildren(
      h('p.muted', {}, `Revision ${out.diff.from ?? '—'} → ${out.diff.to}`),
      ...out.diff.changes.map((/** @type {{ kind: string, text: string }} */ c) =>
        h(`span.${c.kind}`, {}, c.text),
      ),
    );
  };
  /** @param {number} revision */
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
