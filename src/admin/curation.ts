/**
 * Knowledge-base curation: every change made through the admin API is stored by the pool (which
 * bumps the content version and writes the audit event), recorded as a revision (full snapshot,
 * who, when) and, when it changes what is published, queues retraining of the locale.
 *
 * One change at a time per article: the whole sequence runs under the article's revision lock
 * (a key of its own, since the pool's import takes `article.<key>` inside it).
 */
import { createTwoFilesPatch, diffLines } from 'diff';
import { articleContentHash, canonicalArticle } from '../../knowledge/hash.ts';
import { serializeArticleMarkdown } from '../../knowledge/markdown.ts';
import { articleKey, type ArticleContent, type ArticleStatus } from '../domain/article.ts';
import { SwitchboardError } from '../domain/errors.ts';
import { requestRetraining, type KnowledgeDeps } from '../nlu/publish.ts';
import {
  appendRevision,
  getRevision,
  latestRevision,
  listRevisions,
  type ArticleRevision,
} from '../knowledge/article-versions.ts';
import {
  articleDraftModel,
  type ArticleDraftDoc,
  type DraftContent,
} from '../knowledge/article-drafts.ts';
import { recordAudit } from '../pool/audit.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import {
  getArticle,
  importArticle,
  setArticleStatus,
  type StoredArticle,
} from '../knowledge/articles.ts';

/** A diff between two revisions: a unified patch and the line changes, for the console to colour. */
export interface RevisionDiff {
  from: number | null;
  to: number;
  patch: string;
  changes: Array<{ kind: 'added' | 'removed' | 'same'; text: string }>;
}

export function diffArticles(before: ArticleRevision | null, after: ArticleRevision): RevisionDiff {
  const name = `${after.content.id}.${after.content.locale}.md`;
  const oldText = before ? serializeArticleMarkdown(before.content) : '';
  const newText = serializeArticleMarkdown(after.content);
  return {
    from: before?.revision ?? null,
    to: after.revision,
    patch: createTwoFilesPatch(
      name,
      name,
      oldText,
      newText,
      before ? `revision ${before.revision}` : 'none',
      `revision ${after.revision}`,
    ),
    changes: diffLines(oldText, newText).map((part) => ({
      kind: part.added ? 'added' : part.removed ? 'removed' : 'same',
      text: part.value,
    })),
  };
}

export class KnowledgeCuration {
  constructor(
    private readonly knowledge: KnowledgeDeps,
    private readonly locks: DocumentLocks,
  ) {}

  private get models() {
    return this.knowledge.pool.models;
  }

  private lock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.locks.withLock(`article-rev.${key}`, work);
  }

  private async article(key: string): Promise<StoredArticle> {
    const article = await getArticle(this.knowledge.pool.models, key);
    if (!article) throw new SwitchboardError('SB_ERR_NOT_FOUND', `no article ${key}`);
    return article;
  }

  /**
   * The newest revision, creating the baseline (the article as stored, by whoever stored it) for an
   * article that has none yet. Call under the lock.
   */
  private async head(key: string, article: StoredArticle): Promise<ArticleRevision> {
    return (
      (await latestRevision(this.models, key)) ??
      appendRevision(this.models, {
        key,
        previous: 0,
        action: 'baseline',
        article,
        by: article.updatedBy,
        at: article.updatedAt,
      })
    );
  }

  /** The revisions of an article, newest first (the baseline is created on first view). */
  async revisions(key: string): Promise<ArticleRevision[]> {
    const article = await this.article(key);
    return this.lock(key, async () => {
      await this.head(key, article);
      return listRevisions(this.models, key);
    });
  }

  /** One revision and its diff against the one before. */
  async revision(
    key: string,
    revision: number,
  ): Promise<{ revision: ArticleRevision; diff: RevisionDiff }> {
    await this.revisions(key);
    const found = await getRevision(this.models, key, revision);
    if (!found)
      throw new SwitchboardError('SB_ERR_NOT_FOUND', `${key} has no revision ${revision}`);
    const before = revision > 1 ? await getRevision(this.models, key, revision - 1) : null;
    return { revision: found, diff: diffArticles(before, found) };
  }

  /** A new article, stored as a draft (revision 1). 409 when the key exists. */
  async create(content: ArticleContent, by: string): Promise<ArticleRevision> {
    const clean = canonicalArticle(content);
    const key = articleKey(clean);
    return this.lock(key, async () => {
      if (await getArticle(this.knowledge.pool.models, key)) {
        throw new SwitchboardError('SB_ERR_CONFLICT', `article ${key} exists already`, {
          field: 'id',
        });
      }
      const { article } = await importArticle(
        this.knowledge.pool.models,
        this.knowledge.pool.locks,
        {
          content: clean,
          contentHash: articleContentHash(clean),
          by,
          status: 'draft',
        },
      );
      return appendRevision(this.models, { key, previous: 0, action: 'create', article, by });
    });
  }

  /**
   * Replaces an article's content, keeping its status (a published article stays published and
   * its locale retrains). `baseRevision`, when given, must be the newest revision (else 409: the
   * editor was looking at an older text). Unchanged content stores nothing.
   */
  async edit(
    key: string,
    content: Omit<ArticleContent, 'id' | 'locale'>,
    by: string,
    options: { baseRevision?: number | undefined; action?: string; note?: string } = {},
  ): Promise<{ changed: boolean; revision: ArticleRevision }> {
    const current = await this.article(key);
    return this.lock(key, async () => {
      const head = await this.head(key, current);
      if (options.baseRevision !== undefined && options.baseRevision !== head.revision) {
        throw new SwitchboardError(
          'SB_ERR_CONFLICT',
          `${key} changed since revision ${options.baseRevision} (now ${head.revision}); reload and edit again`,
          { field: 'baseRevision' },
        );
      }
      const latest = await this.article(key);
      const clean = canonicalArticle({
        ...content,
        id: latest.content.id,
        locale: latest.content.locale,
      });
      const stored = await importArticle(this.knowledge.pool.models, this.knowledge.pool.locks, {
        content: clean,
        contentHash: articleContentHash(clean),
        by,
        status: latest.status,
      });
      if (stored.outcome === 'unchanged') return { changed: false, revision: head };
      const revision = await appendRevision(this.models, {
        key,
        previous: head.revision,
        action: options.action ?? 'edit',
        article: stored.article,
        by,
        note: options.note,
      });
      if (stored.article.status === 'published') {
        await requestRetraining(this.knowledge, clean.locale);
      }
      return { changed: true, revision };
    });
  }

  /** The draft of a published article, if one is kept. */
  async draft(key: string): Promise<ArticleDraftDoc | null> {
    return await articleDraftModel(this.models).findById(key).lean();
  }

  /**
   * Keeps an edit of a published article as its draft (replacing an earlier draft): nothing goes
   * live and nothing retrains. An article that is not published has no live text to protect: it
   * is edited directly (409 here says so).
   */
  async saveDraft(
    key: string,
    content: DraftContent,
    by: string,
    options: { baseRevision?: number | undefined } = {},
  ): Promise<ArticleDraftDoc> {
    const current = await this.article(key);
    return this.lock(key, async () => {
      if (current.status !== 'published')
        throw new SwitchboardError(
          'SB_ERR_CONFLICT',
          `${key} is not published: save the edit itself, it is not live`,
        );
      const head = await this.head(key, current);
      if (options.baseRevision !== undefined && options.baseRevision !== head.revision)
        throw new SwitchboardError(
          'SB_ERR_CONFLICT',
          `${key} changed since revision ${options.baseRevision} (now ${head.revision}); reload and edit again`,
          { field: 'baseRevision' },
        );
      const clean = canonicalArticle({
        ...content,
        id: current.content.id,
        locale: current.content.locale,
      });
      const draft: ArticleDraftDoc = {
        _id: key,
        content: {
          title: clean.title,
          tags: clean.tags,
          questions: clean.questions,
          answer: clean.answer,
        },
        baseRevision: head.revision,
        by,
        at: new Date(),
      };
      await articleDraftModel(this.models).replaceOne({ _id: key }, draft, { upsert: true });
      await recordAudit(this.models, {
        actor: by,
        action: 'article.draft.saved',
        subject: `article:${key}`,
        after: { baseRevision: head.revision },
      });
      return draft;
    });
  }

  /** Puts the draft live (an edit of the article, retrained) and drops it; 409 if it moved on. */
  async publishDraft(
    key: string,
    by: string,
  ): Promise<{ changed: boolean; revision: ArticleRevision }> {
    const draft = await this.draft(key);
    if (!draft) throw new SwitchboardError('SB_ERR_NOT_FOUND', `${key} has no draft`);
    const result = await this.edit(key, draft.content, by, {
      baseRevision: draft.baseRevision,
      action: 'publish-draft',
      note: `draft saved by ${draft.by}`,
    });
    await articleDraftModel(this.models).deleteOne({ _id: key, at: draft.at });
    return result;
  }

  /** Drops the draft; the live article is untouched. */
  async discardDraft(key: string, by: string): Promise<void> {
    const gone = await articleDraftModel(this.models).deleteOne({ _id: key });
    if (gone.deletedCount === 0)
      throw new SwitchboardError('SB_ERR_NOT_FOUND', `${key} has no draft`);
    await recordAudit(this.models, {
      actor: by,
      action: 'article.draft.discarded',
      subject: `article:${key}`,
    });
  }

  /** Publishes or unpublishes; a no-op when the article already has that status. */
  async setStatus(
    key: string,
    status: ArticleStatus,
    by: string,
  ): Promise<{ changed: boolean; revision: ArticleRevision }> {
    const current = await this.article(key);
    return this.lock(key, async () => {
      const head = await this.head(key, current);
      const { changed, article } = await setArticleStatus(
        this.knowledge.pool.models,
        this.knowledge.pool.locks,
        key,
        status,
        by,
      );
      if (!changed) return { changed, revision: head };
      const revision = await appendRevision(this.models, {
        key,
        previous: head.revision,
        action: status === 'published' ? 'publish' : 'unpublish',
        article,
        by,
      });
      await requestRetraining(this.knowledge, article.content.locale);
      return { changed, revision };
    });
  }

  /** Restores the content of `revision` as a new revision (status unchanged). */
  async rollback(
    key: string,
    revision: number,
    by: string,
  ): Promise<{ changed: boolean; revision: ArticleRevision }> {
    await this.revisions(key);
    const target = await getRevision(this.models, key, revision);
    if (!target) {
      throw new SwitchboardError('SB_ERR_NOT_FOUND', `${key} has no revision ${revision}`, {
        field: 'revision',
      });
    }
    const { title, tags, questions, answer } = target.content;
    return this.edit(key, { title, tags, questions, answer }, by, {
      action: 'rollback',
      note: `restored revision ${revision}`,
    });
  }
}
