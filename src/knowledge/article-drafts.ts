/**
 * Drafts of published articles (issue 23): an edit kept aside, not live, until an admin publishes
 * it — the article the bot answers with and the help centre shows stay as they are meanwhile.
 * One draft per article, by key (`<id>.<locale>`), with the revision it started from, so
 * publishing a draft of an article that moved on since is refused (409) instead of overwriting.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { ArticleContent } from '../domain/article.ts';
import type { PoolModels } from '../pool/models.ts';

export type DraftContent = Pick<ArticleContent, 'title' | 'tags' | 'questions' | 'answer'>;

export interface ArticleDraftDoc {
  _id: string;
  content: DraftContent;
  /** The article's newest revision when the draft was saved. */
  baseRevision: number;
  by: string;
  at: Date;
}

const draftSchema = new Schema<ArticleDraftDoc>(
  {
    _id: String,
    content: {
      title: { type: String, required: true },
      tags: { type: [String], default: [] },
      questions: { type: [String], default: [] },
      answer: { type: String, required: true },
    },
    baseRevision: { type: Number, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

/** Registers (once per connection) the drafts collection, `article_drafts`. */
export function registerArticleDrafts(connection: Connection): Model<ArticleDraftDoc> {
  return (
    (connection.models['ArticleDraft'] as Model<ArticleDraftDoc> | undefined) ??
    connection.model<ArticleDraftDoc>('ArticleDraft', draftSchema, 'article_drafts')
  );
}

/** The drafts collection on the pool's database. */
export function articleDraftModel(pool: PoolModels): Model<ArticleDraftDoc> {
  return registerArticleDrafts(pool.Ticket.db);
}
