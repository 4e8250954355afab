import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { ESCALATION_REASONS } from '../../src/nlu/intent-responder.ts';
import { publishArticle } from '../../src/nlu/publish.ts';
import { botTexts } from '../../src/nlu/texts.ts';
import { threadTrainer, type Trainer } from '../../src/nlu/trainer.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { testConfig, waitFor } from '../support/gateway.ts';
import { ApiCustomer, articleFolder, seedArticles, startKbGateway } from './support.ts';
import { getIntentModelRecord } from '../../src/knowledge/articles.ts';

/** A direct answer as a markdown channel shows it: the article, then the confirmation question. */
function confirmed(answer: string, locale: string): string {
  return `${answer}\n\n${botTexts(locale).confirmQuestion}`;
}

// A handful of seed articles keeps training to a second or two.
const ARTICLES = seedArticles([
  'order-status',
  'password-reset',
  'gift-cards',
  'payment-methods',
  'how-to-return',
  'opening-hours',
]);
const article = (id: string, locale: string) => {
  const found = ARTICLES.find((a) => a.id === id && a.locale === locale);
  if (!found) throw new Error(`no article ${id}.${locale}`);
  return found;
};

/**
 * Training passes through a gate the test can close: while closed, a retraining is in progress
 * for as long as the test needs, with no timing involved.
 */
let gate: Promise<void> = Promise.resolve();
let trainings = 0;
const gatedTrainer: Trainer = async (input) => {
  trainings += 1;
  await gate;
  return threadTrainer(input);
};

const config = testConfig();
const folder = articleFolder(ARTICLES);
let receiver: CallbackReceiver;
let gateway: Gateway;
let second: Gateway;
let customer: ApiCustomer;
let trainingsBeforeSecondStart = 0;

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  gateway = await startKbGateway({ config, seedKnowledgeDir: folder, trainer: gatedTrainer });
  trainingsBeforeSecondStart = trainings;
  // A second worker process on the same deployment: it must follow every model swap too.
  second = await startKbGateway({ config, role: 'worker', trainer: gatedTrainer });
  customer = await ApiCustomer.create(gateway, receiver);
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.knowledge.training.obliterate({ force: true });
  await second.stop();
  await gateway.stop();
  await receiver.stop();
  rmSync(folder, { recursive: true, force: true });
});

describe('intent responder (API channel, end to end)', () => {
  describe('when the workers start', () => {
    it('trains each locale once and lets a later process load the cached models', () => {
      expect(trainingsBeforeSecondStart).toBe(2);
      expect(trainings).toBe(2);
      expect(second.intents?.runtime.hashOf('en')).toBe(gateway.intents?.runtime.hashOf('en'));
      expect(second.intents?.runtime.hashOf('zh')).toBe(gateway.intents?.runtime.hashOf('zh'));
    });
  });

  describe('when a customer asks an FAQ in other words', () => {
    it('answers with the article, and records the intent and score', async () => {
      const question = "where's my stuff? ordered it last week";
      expect(article('order-status', 'en').questions.map((q) => q.toLowerCase())).not.toContain(
        question,
      );
      const { reply, ticket } = await customer.ask(question);
      expect(reply.text).toBe(confirmed(article('order-status', 'en').answer, 'en'));
      expect(reply.markdown).toBe(confirmed(article('order-status', 'en').answer, 'en'));
      expect(ticket).toMatchObject({
        status: 'bot',
        lastIntent: 'order-status',
        language: 'en',
        botMisses: 0,
      });
      const out = await gateway.pool.models.Message.findOne({
        ticketId: ticket._id,
        direction: 'out',
      }).lean();
      expect(out?.intent).toBe('order-status');
      expect(out?.score).toBeGreaterThan(0);
    });

    it('answers a Chinese question with the Chinese answer', async () => {
      const { reply, ticket } = await customer.ask('我的快递现在到哪里了？');
      expect(reply.text).toBe(confirmed(article('order-status', 'zh').answer, 'zh'));
      expect(ticket).toMatchObject({ status: 'bot', language: 'zh', lastIntent: 'order-status' });
    });
  });

  describe('when the question is unrelated to the shop', () => {
    it('hands over to a person with a notice', async () => {
      const { reply, ticket } = await customer.ask("what's the weather like tomorrow");
      expect(reply.text).toBe(botTexts('en').handoverNoAnswer);
      expect(ticket).toMatchObject({
        status: 'queued',
        escalationReason: ESCALATION_REASONS.outOfScope,
      });
    });
  });

  describe('when the customer asks for a person', () => {
    it.each([
      ['en', 'I want to talk to a person'],
      ['zh', '转人工'],
    ])('escalates at once (%s), saying so in their language', async (locale, text) => {
      const { reply, ticket } = await customer.ask(text);
      expect(reply.text).toBe(botTexts(locale).handoverRequested);
      expect(ticket).toMatchObject({
        status: 'queued',
        escalationReason: ESCALATION_REASONS.requested,
        lastIntent: 'human',
      });
    });
  });

  describe('when the customer greets the bot', () => {
    it('greets back and keeps the ticket', async () => {
      const { reply, ticket } = await customer.ask('hello there');
      expect(reply.text).toBe(botTexts('en').greeting);
      expect(ticket).toMatchObject({ status: 'bot', botMisses: 0, lastIntent: 'greeting' });
    });
  });

  describe('when an edited article is published', () => {
    const edited = {
      ...article('gift-cards', 'en'),
      answer: 'GIFT CARDS V2: buy them at any till or online.',
    };
    const question = 'do you sell gift vouchers';
    let oldHash: string | undefined;
    let newHash: string;
    let release: () => void = () => {};

    it('answers a burst of questions during retraining with the old model, never with none', async () => {
      oldHash = gateway.intents?.runtime.hashOf('en');
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const started = trainings;
      newHash = (await publishArticle(gateway.knowledge, edited, 'admin:ada')).hash;
      expect(newHash).not.toBe(oldHash);
      // A worker has taken the job and is training: the retraining is in progress now.
      await waitFor(() => trainings > started, { what: 'retraining to start' });
      const turns = await Promise.all(Array.from({ length: 8 }, () => customer.ask(question)));
      for (const { reply, ticket } of turns) {
        expect(reply.text).toBe(confirmed(article('gift-cards', 'en').answer, 'en'));
        expect(ticket).toMatchObject({ status: 'bot', lastIntent: 'gift-cards' });
      }
      expect(gateway.intents?.runtime.hashOf('en')).toBe(oldHash);
      expect(second.intents?.runtime.hashOf('en')).toBe(oldHash);
    });

    it('serves the edited answer once the new model is announced, in every worker, without a restart', async () => {
      release();
      gate = Promise.resolve();
      await waitFor(() => gateway.intents?.runtime.hashOf('en') === newHash, {
        what: 'the first process to swap',
      });
      await waitFor(() => second.intents?.runtime.hashOf('en') === newHash, {
        what: 'the second process to swap',
      });
      const { reply } = await customer.ask(question);
      expect(reply.text).toBe(confirmed(edited.answer, 'en'));
      const stored = await getIntentModelRecord(gateway.pool.models, `en.${newHash}`);
      expect(stored?.knowledgeHash).toBe(newHash);
    });
  });
});
