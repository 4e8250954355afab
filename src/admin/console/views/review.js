// @ts-check
/* global setTimeout */
// Reviewing what the learning loop found: suggested answers from agents (approve as an article or
// a question variant, or dismiss) and uncovered questions (keep, drop, add to an article, or make
// a new article from the agent's answer).

import { api, attempt, may } from '../api.js';
import { h } from '../dom.js';
import { splitList } from '../format.js';
import { route } from '../router.js';
import { table } from '../table.js';

/** @typedef {import('../api-types.js').Negative} Negative */
/** @typedef {import('../api-types.js').Suggestion} Suggestion */
/** @typedef {(n: Negative, verb: 'keep' | 'drop' | 'convert', body?: unknown) => void} Decide */

/**
 * How the review queue names each kind of uncovered question.
 * @type {Record<string, string>}
 */
const NEGATIVE_KINDS = {
  unhelpful: 'answer did not help',
  'agent-answered': 'answered by an agent',
};

/** A lower-case article id drawn from a question (the admin edits it before creating). */
/** @param {string} text */
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
/** @param {Negative[]} negatives */
export function uncoveredCard(negatives) {
  const canWrite = may('learning.write');
  /** @type {Decide} */
  const decide = (n, verb, body) =>
    void attempt(
      () => api('POST', `/learning/negatives/${encodeURIComponent(n.id)}/${verb}`, body ?? {}),
      verb === 'keep' ? 'Kept: the bot retrains and will hand such questions over' : 'Done',
    ).then(route);
  /** @param {Negative} n */
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
    table(null, negatives.map(row)),
  );
}

/** A new article from a question and the agent's answer to it (published on creation). */
/**
 * @param {Negative} n
 * @param {Decide} decide
 */
function newArticleForm(n, decide) {
  const id = h('input.article-id', { type: 'text', value: articleIdFrom(n.text) });
  const title = h('input.wide.article-title', { type: 'text', value: n.text });
  const answer = h('textarea.article-answer', {});
  answer.value = n.agentAnswer?.text ?? '';
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

/**
 * A suggested answer to approve (as a new article or a question variant) or dismiss.
 * @param {Suggestion} s
 */
export function suggestionCard(s) {
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
            questions: splitList(questions.value, '\n'),
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
/**
 * @param {HTMLElement} card
 * @param {string} id
 */
async function watchAnswered(card, id) {
  const box = card.querySelector('.answered');
  if (!box) return;
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
