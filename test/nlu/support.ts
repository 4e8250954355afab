/**
 * Helpers for the intent-layer tests: a gateway with the knowledge base wired (seeded from a folder
 * of chosen seed articles), and a customer talking through the API channel whose replies are read
 * from the integration's callback receiver, so every answer is proven to reach the customer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createGateway, type Gateway, type Role } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import type { ArticleContent } from '../../src/domain/article.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/metrics.ts';
import type { Trainer } from '../../src/nlu/trainer.ts';
import type { TicketDoc } from '../../src/pool/models.ts';
import {
  readArticleFolder,
  SEED_ARTICLES_DIR,
  writeArticleFolder,
} from '../../knowledge/folder.ts';
import type { CallbackReceiver } from '../support/callback-receiver.ts';
import { waitFor } from '../support/gateway.ts';
import { serviceUrl } from '../support/services.ts';
import { createIntegration } from '../../src/integrations/store.ts';

/** The seed articles with these ids (both locales). */
export function seedArticles(ids: readonly string[]): ArticleContent[] {
  return readArticleFolder(SEED_ARTICLES_DIR).articles.filter((a) => ids.includes(a.id));
}

/** One seed article in one locale (throws when there is none). */
export function seedArticle(id: string, locale: string): ArticleContent {
  const found = seedArticles([id]).find((a) => a.locale === locale);
  if (!found) throw new Error(`no seed article ${id}.${locale}`);
  return found;
}

/** A temporary folder holding `articles` as files. */
export function articleFolder(articles: readonly ArticleContent[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-nlu-'));
  writeArticleFolder(dir, articles);
  return dir;
}

export async function startKbGateway(options: {
  config: Config;
  role?: Role;
  seedKnowledgeDir?: string;
  trainer?: Trainer;
}): Promise<Gateway> {
  return createGateway({
    config: options.config,
    role: options.role ?? 'all',
    mongoUri: serviceUrl('mongoUrl'),
    redisUrl: serviceUrl('redisUrl'),
    logger: createLogger({ level: options.config.LOG_LEVEL }),
    metrics: new Metrics({ collectDefaults: false }),
    ...(options.seedKnowledgeDir === undefined
      ? {}
      : { seedKnowledgeDir: options.seedKnowledgeDir }),
    ...(options.trainer === undefined ? {} : { trainer: options.trainer }),
  });
}

/** A callback the integration received for a bot message. */
export interface BotMessage {
  conversationId: string;
  author: { kind: string };
  text: string;
  markdown?: string;
}

/** What one customer message led to. */
export interface Turn {
  reply: BotMessage;
  ticket: TicketDoc;
}

let seq = 0;

/** A customer of an API integration. */
export class ApiCustomer {
  constructor(
    private readonly gateway: Gateway,
    private readonly receiver: CallbackReceiver,
    private readonly apiKey: string,
    private readonly integrationId: string,
  ) {}

  static async create(gateway: Gateway, receiver: CallbackReceiver): Promise<ApiCustomer> {
    const created = await createIntegration(gateway.pool.models, {
      name: 'shop',
      callbackUrl: receiver.url,
    });
    return new ApiCustomer(gateway, receiver, created.apiKey, String(created.integration._id));
  }

  /** A fresh conversation id. */
  newConversation(): string {
    seq += 1;
    return `conv-${seq}-${Date.now()}`;
  }

  private repliesTo(conversationId: string): BotMessage[] {
    return this.receiver.received
      .map((r) => JSON.parse(r.body) as BotMessage)
      .filter((m) => m.conversationId === conversationId && m.author.kind === 'bot');
  }

  /** Sends `text` in the conversation and waits for the bot's message and the handled ticket. */
  async say(conversationId: string, text: string): Promise<Turn> {
    seq += 1;
    const before = this.repliesTo(conversationId).length;
    const messageId = `m-${seq}-${Date.now()}`;
    const res = await request(this.gateway.http!)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${this.apiKey}`)
      .send({ messageId, conversationId, from: { id: `customer-${conversationId}` }, text });
    if (res.status !== 202)
      throw new Error(`message refused: ${res.status} ${JSON.stringify(res.body)}`);
    const stored = await waitFor(
      async () => {
        const doc = await this.gateway.pool.getMessage(`api.${this.integrationId}/${messageId}`);
        return doc?.handled ? doc : undefined;
      },
      { what: `"${text}" handled` },
    );
    const reply = await waitFor(() => this.repliesTo(conversationId)[before], {
      what: `a reply to "${text}"`,
    });
    const ticket = await this.gateway.pool.getTicket(stored.ticketId);
    if (!ticket) throw new Error('ticket not found');
    return { reply, ticket };
  }

  /** Opens a conversation with `text`. */
  ask(text: string): Promise<Turn> {
    return this.say(this.newConversation(), text);
  }
}
