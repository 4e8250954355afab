/**
 * The learning loop: what the bot could not answer (clustered), what agents answered instead
 * (proposed as new articles or new question variants), and how much of last week's escalations
 * the approved proposals now cover.
 */
import { KnowledgeSearch, searchTerms } from '../../knowledge/search.ts';
import type { SuggestionDoc } from '../knowledge/models.ts';
import { splitKey } from '../knowledge/article-versions.ts';
import {
  approvedResultKeys,
  escalatedQuestions,
  insertSuggestion,
  unproposedExchanges,
  type EscalatedQuestion,
} from '../knowledge/suggestions.ts';
import type { AdminDeps } from './deps.ts';
import { listArticles } from '../knowledge/articles.ts';

/** Two questions belong together when their meaningful words overlap at least this much (Jaccard). */
export const CLUSTER_SIMILARITY = 0.5;

/** One group of similar unanswered questions. */
export interface QuestionCluster {
  count: number;
  newest: EscalatedQuestion;
  examples: string[];
  terms: string[];
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared += 1;
  return shared / (a.size + b.size - shared);
}

function localeOf(
  q: { language: string | null },
  locales: readonly string[],
  fallback: string,
): string {
  return q.language && locales.includes(q.language) ? q.language : fallback;
}

/**
 * Greedy clustering, newest question first: a question joins the first cluster whose first
 * question's terms it overlaps enough, else starts one. Clusters come largest first.
 */
export function clusterQuestions(
  questions: readonly EscalatedQuestion[],
  locales: readonly string[],
  fallback: string,
): QuestionCluster[] {
  const clusters: Array<{
    seed: Set<string>;
    members: EscalatedQuestion[];
    counts: Map<string, number>;
  }> = [];
  const sorted = [...questions].sort((a, b) => b.at.getTime() - a.at.getTime());
  for (const q of sorted) {
    const terms = new Set(searchTerms(q.text, localeOf(q, locales, fallback)));
    const home =
      clusters.find((c) => terms.size > 0 && jaccard(c.seed, terms) >= CLUSTER_SIMILARITY) ??
      clusters.find(
        (c) =>
          terms.size === 0 &&
          c.seed.size === 0 &&
          c.members[0]?.text.toLowerCase() === q.text.toLowerCase(),
      );
    const cluster = home ?? { seed: terms, members: [], counts: new Map<string, number>() };
    if (!home) clusters.push(cluster);
    cluster.members.push(q);
    for (const t of terms) cluster.counts.set(t, (cluster.counts.get(t) ?? 0) + 1);
  }
  return clusters
    .map((c) => ({
      count: c.members.length,
      newest: c.members[0] as EscalatedQuestion,
      examples: [...new Set(c.members.map((m) => m.text))].slice(0, 5),
      terms: [...c.counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([t]) => t),
    }))
    .sort((a, b) => b.count - a.count || b.newest.at.getTime() - a.newest.at.getTime());
}

/** A suggestion as the API shows it. */
export function suggestionView(s: SuggestionDoc) {
  return {
    id: s._id,
    ticketId: String(s.ticketId),
    ticketNumber: s.ticketNumber ?? null,
    locale: s.locale,
    question: s.question,
    answer: s.answer,
    agentName: s.agentName ?? null,
    kind: s.kind,
    articleKey: s.articleKey ?? null,
    status: s.status,
    createdAt: s.createdAt,
    decidedBy: s.decidedBy ?? null,
    decidedAt: s.decidedAt ?? null,
    resultKey: s.resultKey ?? null,
  };
}

export class LearningLoop {
  constructor(private readonly deps: AdminDeps) {}

  private get locales() {
    return this.deps.config.KB_LOCALES;
  }

  private get fallback() {
    return this.deps.config.NLU_FALLBACK_LOCALE;
  }

  async unanswered(days: number): Promise<{ total: number; clusters: QuestionCluster[] }> {
    const questions = await escalatedQuestions(
      this.deps.models,
      new Date(Date.now() - days * 86_400_000),
    );
    return {
      total: questions.length,
      clusters: clusterQuestions(questions, this.locales, this.fallback),
    };
  }

  /**
   * Proposes suggestions from tickets resolved in the last `days` days: a new question variant of
   * the published article the question most plausibly belongs to (it shares at least two words
   * and half of the question's words), else a new article.
   */
  async refreshSuggestions(days: number): Promise<number> {
    const exchanges = await unproposedExchanges(
      this.deps.models,
      new Date(Date.now() - days * 86_400_000),
    );
    if (exchanges.length === 0) return 0;
    const searches = new Map<string, KnowledgeSearch>();
    for (const locale of this.locales) {
      const published = (
        await listArticles(this.deps.pool.models, { locale, status: 'published' })
      ).map((a) => a.content);
      searches.set(locale, new KnowledgeSearch(locale, published));
    }
    for (const e of exchanges) {
      const locale = localeOf(e, this.locales, this.fallback);
      const result = searches.get(locale)?.search(e.question, 1);
      const hit = result?.hits[0];
      const plausible =
        hit !== undefined &&
        result !== undefined &&
        hit.matchedTerms >= 2 &&
        hit.matchedTerms >= result.queryTerms * 0.5;
      await insertSuggestion(this.deps.models, {
        ticketId: e.ticketId,
        ticketNumber: e.ticketNumber,
        locale,
        question: e.question,
        answer: e.answer,
        agentName: e.agentName,
        kind: plausible ? 'variant' : 'article',
        articleKey: plausible ? `${hit.id}.${locale}` : undefined,
        resolvedAt: e.resolvedAt,
      });
    }
    return exchanges.length;
  }

  /**
   * Of the questions escalated in the last `days` days, how many the bot now answers, and how many
   * of those with an article that an approved suggestion created or extended.
   */
  async report(days: number): Promise<{
    days: number;
    escalations: number;
    nowAnswered: number;
    answeredByApprovedSuggestions: number;
    share: number | null;
    examples: Array<{ text: string; intent: string | null; title: string | null }>;
  }> {
    const questions = await escalatedQuestions(
      this.deps.models,
      new Date(Date.now() - days * 86_400_000),
    );
    const approved = new Set(
      (await approvedResultKeys(this.deps.models)).map((k) => splitKey(k)[0]),
    );
    const answers = await this.deps.bot.askMany(questions.map((q) => q.text));
    const answered = answers.filter((a) => a.action === 'reply' && a.title !== null);
    const bySuggestions = answered.filter((a) => a.intent !== null && approved.has(a.intent));
    return {
      days,
      escalations: questions.length,
      nowAnswered: answered.length,
      answeredByApprovedSuggestions: bySuggestions.length,
      share: questions.length === 0 ? null : bySuggestions.length / questions.length,
      examples: bySuggestions
        .slice(0, 10)
        .map((a) => ({ text: a.text, intent: a.intent, title: a.title })),
    };
  }
}
