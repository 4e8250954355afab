import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { SEED_ARTICLES_DIR } from '../../knowledge/folder.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { testConfig } from '../support/gateway.ts';
import { ApiCustomer, seedArticle, seedArticles, startKbGateway } from './support.ts';
import { botTexts } from '../../src/nlu/texts.ts';
import { listArticles } from '../../src/knowledge/articles.ts';

/** A direct answer as a markdown channel shows it: the article, then the confirmation question. */
function confirmed(answer: string, locale: string): string {
  return `${answer}\n\n${botTexts(locale).confirmQuestion}`;
}

// The real knowledge base: all 88 seed articles, as `switchboard start` seeds them.
const config = testConfig();
let receiver: CallbackReceiver;
let gateway: Gateway;
let customer: ApiCustomer;

function answerOf(id: string, locale: string): string {
  return seedArticle(id, locale).answer;
}

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  gateway = await startKbGateway({ config, seedKnowledgeDir: SEED_ARTICLES_DIR });
  customer = await ApiCustomer.create(gateway, receiver);
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.knowledge.training.obliterate({ force: true });
  await gateway.stop();
  await receiver.stop();
});

describe('intent responder on the seed knowledge base', () => {
  describe('when the gateway starts on an empty store', () => {
    it('imports the seed articles published and serves a model per locale', async () => {
      expect(await listArticles(gateway.pool.models, { status: 'published' })).toHaveLength(88);
      expect(gateway.intents?.runtime.current().engine?.locales.sort()).toEqual(['en', 'zh']);
    });
  });

  describe('when customers ask in their own words', () => {
    it.each([
      ['payment-methods', 'en', 'can I pay using apple pay'],
      ['password-reset', 'en', 'I forgot my login password, how can I set a new one'],
      ['invoices-vat', 'zh', '可以开发票吗'],
      ['order-status', 'zh', '我的包裹到哪了'],
    ])('answers with %s (%s)', async (id, locale, question) => {
      const questions = seedArticles([id]).flatMap((a) => a.questions.map((q) => q.toLowerCase()));
      expect(questions).not.toContain(question.toLowerCase());
      const { reply, ticket } = await customer.ask(question);
      expect(reply.text).toBe(confirmed(answerOf(id, locale), locale));
      expect(ticket).toMatchObject({ status: 'bot', lastIntent: id, language: locale });
    });

    // Calibrated for 95 % answer precision (issue 17), the model is not sure enough of these to
    // answer; it ranks the right article first, and the bot asks instead of guessing.
    it.each([
      ['lost-parcel', 'en', "my package never showed up and it's been two weeks"],
      ['international-shipping', 'en', 'do you ship to canada'],
    ])('asks "did you mean" with %s (%s) among the choices', async (id, locale, question) => {
      const model = gateway.intents?.runtime.current().engine?.model(locale);
      expect(model?.classify(question)).toMatchObject({
        band: 'clarify',
        candidates: [expect.objectContaining({ intent: id }), expect.anything(), expect.anything()],
      });
      const title = seedArticles([id]).find((a) => a.locale === locale)?.title ?? '?';
      const { reply, ticket } = await customer.ask(question);
      expect(reply.text).toContain(title);
      expect(reply.text).not.toBe(answerOf(id, locale));
      expect(ticket).toMatchObject({ status: 'bot', language: locale });
    });
  });
});
