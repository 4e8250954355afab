/**
 * "Try the bot" and the model status for the console. The tester serves from the trained models
 * stored in the pool (the ones worker processes swap in when a training is announced), so it
 * answers as the bot does now, in any role — also in an api-only process that runs no intent
 * layer of its own.
 */
import type { Queue } from 'bullmq';
import { loadIntentModel, type SerializedIntentModel } from '../../intents/index.ts';
import { markdownToSafeHtml } from '../../knowledge/format.ts';
import type { ArticleContent } from '../domain/article.ts';
import { EscalateAllResponder } from '../pipeline/escalate-all-responder.ts';
import { IntentResponder } from '../nlu/intent-responder.ts';
import { IntentRuntime } from '../nlu/intent-runtime.ts';
import {
  assembleLocaleKnowledge,
  loadLocaleKnowledge,
  modelRecordId,
  type LocaleKnowledge,
} from '../nlu/locale-knowledge.ts';
import type { KnowledgeDeps } from '../nlu/publish.ts';
import type { TrainingJobData } from '../nlu/training-queue.ts';
import { localeKnowledgeHash, resolveCorpus } from '../nlu/training-set.ts';
import { latestIntentModelRecord, modelSummary } from '../knowledge/article-versions.ts';
import { listArticles } from '../knowledge/articles.ts';

/** Where a locale's model stands against what is published. */
export interface LocaleModelStatus {
  locale: string;
  /** Hash of what is published now. */
  publishedHash: string;
  publishedArticles: number;
  /** A model of exactly the published knowledge is stored (workers swap it in when announced). */
  live: boolean;
  trainedAt: Date | null;
  /**
   * Answer precision the live model expects at its threshold, and the share of questions it
   * expects to answer directly (measured on its held-out calibration predictions); null when
   * not trained yet or trained before these were stored.
   */
  expectedPrecision: number | null;
  answerRate: number | null;
  /** Collected negatives (uncovered questions) it was trained with. */
  negatives: number;
  /** The training job for the published hash: waiting, active, failed, … or null. */
  training: string | null;
}

/** What "try the bot" answers. */
export interface BotAnswer {
  text: string;
  locale: string;
  /** The matched article id or conversational intent, null when out of scope. */
  intent: string | null;
  title: string | null;
  score: number;
  runnersUp: Array<{ intent: string; title: string | null; score: number }>;
  /** `reply` (answer, small talk or "did you mean") or `escalate`. */
  action: 'reply' | 'escalate';
  reason: string | null;
  /** The reply as markdown, and as the sanitized HTML the console shows. */
  answer: string | null;
  answerHtml: string | null;
  /** The knowledge hash of the model that answered, and whether it is the published one. */
  modelHash: string | null;
  live: boolean;
}

export class BotTester {
  private readonly runtime: IntentRuntime;
  private readonly responder: IntentResponder;

  constructor(
    private readonly deps: {
      knowledge: KnowledgeDeps;
      training?: Queue<TrainingJobData> | undefined;
      locales: readonly string[];
      fallbackLocale: string;
    },
  ) {
    this.runtime = new IntentRuntime(deps.fallbackLocale);
    this.responder = new IntentResponder(this.runtime, new EscalateAllResponder());
  }

  private async published(locale: string): Promise<ArticleContent[]> {
    return (
      await listArticles(this.deps.knowledge.pool.models, { locale, status: 'published' })
    ).map((a) => a.content);
  }

  private async hashOf(locale: string, articles: readonly ArticleContent[]): Promise<string> {
    return localeKnowledgeHash(locale, articles, await resolveCorpus(locale, this.deps.knowledge));
  }

  /** The status of every configured locale. */
  async status(): Promise<LocaleModelStatus[]> {
    const out: LocaleModelStatus[] = [];
    for (const locale of this.deps.locales) {
      const articles = await this.published(locale);
      const hash = await this.hashOf(locale, articles);
      const summary = await modelSummary(
        this.deps.knowledge.pool.models,
        modelRecordId(locale, hash),
      );
      const job = await this.deps.training?.getJob(`train.${locale}.${hash}`);
      out.push({
        locale,
        publishedHash: hash,
        publishedArticles: articles.length,
        live: summary !== null,
        trainedAt: summary?.trainedAt ?? null,
        expectedPrecision: summary?.expectedPrecision ?? null,
        answerRate: summary?.answerRate ?? null,
        negatives: summary?.negatives ?? 0,
        training: job ? await job.getState() : null,
      });
    }
    return out;
  }

  /**
   * Loads, per locale, the model of the published knowledge when it is trained, else keeps the one
   * already loaded, else the newest stored one (the bot answers with it until training ends).
   */
  private async refresh(): Promise<Map<string, boolean>> {
    const live = new Map<string, boolean>();
    const pool = this.deps.knowledge.pool;
    for (const locale of this.deps.locales) {
      const hash = await this.hashOf(locale, await this.published(locale));
      if (this.runtime.hashOf(locale) === hash) {
        live.set(locale, true);
        continue;
      }
      const current = await loadLocaleKnowledge(pool, locale, hash);
      if (current) {
        this.runtime.install(current);
        live.set(locale, true);
        continue;
      }
      live.set(locale, false);
      if (this.runtime.hashOf(locale) !== undefined) continue;
      const latest = await latestIntentModelRecord(pool.models, locale);
      if (latest) this.runtime.install(fromRecord(latest));
    }
    return live;
  }

  /** Asks the bot `text` as a customer on a markdown channel would. */
  async ask(text: string): Promise<BotAnswer> {
    const [answer] = await this.askMany([text]);
    if (!answer) throw new Error('no answer');
    return answer;
  }

  /** Asks several questions against one consistent set of models. */
  async askMany(texts: readonly string[]): Promise<BotAnswer[]> {
    const live = await this.refresh();
    const answers: BotAnswer[] = [];
    for (const text of texts) answers.push(await this.answer(text, live));
    return answers;
  }

  private async answer(text: string, live: ReadonlyMap<string, boolean>): Promise<BotAnswer> {
    const { engine, knowledge } = this.runtime.current();
    const decision = await this.responder.respond({
      ticket: {
        id: 'try-the-bot',
        channel: 'api',
        status: 'bot',
        language: undefined,
        lastIntent: undefined,
        botMisses: 0,
      },
      message: { id: 'try-the-bot', text, newText: undefined },
      capabilities: {
        threads: false,
        attachments: { inbound: false, outbound: false },
        maxTextLength: 20_000,
        format: 'markdown',
        canEdit: false,
      },
    });
    const classification = engine ? await engine.classify(text, decision.language) : undefined;
    const locale = classification?.locale ?? decision.language ?? this.deps.fallbackLocale;
    const served: LocaleKnowledge | undefined = knowledge.get(locale);
    const titleOf = (intent: string | null | undefined) =>
      (intent && served?.articles.get(intent)?.title) ?? null;
    const markdown =
      decision.text === undefined
        ? null
        : decision.action === 'reply'
          ? (decision.markdown ?? decision.text)
          : decision.text;
    return {
      text,
      locale,
      intent: decision.intent ?? classification?.intent ?? null,
      title: titleOf(decision.intent ?? classification?.intent),
      score: decision.score ?? classification?.score ?? 0,
      runnersUp: (classification?.runnersUp ?? []).map((r) => ({
        intent: r.intent,
        title: titleOf(r.intent),
        score: r.score,
      })),
      action: decision.action,
      reason: decision.action === 'escalate' ? decision.reason : null,
      answer: markdown,
      answerHtml: markdown === null ? null : markdownToSafeHtml(markdown),
      modelHash: served?.hash ?? null,
      live: live.get(locale) ?? false,
    };
  }
}

function fromRecord(record: {
  locale: string;
  knowledgeHash: string;
  model: string;
  articles: string;
}): LocaleKnowledge {
  return assembleLocaleKnowledge(
    record.locale,
    record.knowledgeHash,
    loadIntentModel(JSON.parse(record.model) as SerializedIntentModel),
    JSON.parse(record.articles) as ArticleContent[],
  );
}
