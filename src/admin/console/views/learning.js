// @ts-check
// The learning loop: suggested answers to review, last week's report, each retrain's learning
// report, the questions the knowledge base does not cover, and the unanswered clusters.

import { api } from '../api.js';
import { h, main } from '../dom.js';
import { fmtDate, pctOrDash } from '../format.js';
import { table } from '../table.js';
import { suggestionCard, uncoveredCard } from './review.js';

/** @typedef {import('../api-types.js').Retrain} Retrain */
/** @typedef {import('../api-types.js').RetrainScores} RetrainScores */
/** @typedef {{ count: number, terms: string[], newest: { text: string, at: string } }} Cluster */

/** The learning view. */
export async function viewLearning() {
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
          table(
            null,
            unanswered.clusters.map((/** @type {Cluster} */ c) =>
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
  );
}

/**
 * Each retrain's learning report: what the model was trained with and, on the held-out slice of
 * real questions, answer precision and self-service of the model it replaced and of itself.
 */
/** @param {Retrain[]} retrains */
function retrainsCard(retrains) {
  /**
   * @param {Retrain} r
   * @param {keyof RetrainScores} key
   */
  const change = (r, key) =>
    `${r.before ? pctOrDash(r.before[key]) : '—'} → ${pctOrDash(r.after[key])}`;
  return h(
    'div.card#retrains',
    {},
    h('h2', {}, 'Retrains'),
    retrains.length === 0
      ? h('p.muted', {}, 'No training recorded yet.')
      : table(
          [
            'Trained',
            'Locale',
            'Negatives',
            'Held out',
            'Answer precision',
            'Self-service',
            'Expected precision',
          ],
          retrains.map((r) =>
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
    h(
      'p.muted',
      {},
      'Held out: questions customers confirmed an article answers + questions agents answered with what no article says, never trained on. Before → after: the replaced model, then the new one.',
    ),
  );
}
