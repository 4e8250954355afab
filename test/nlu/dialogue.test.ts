/**
 * Issue 17, items 3 and 7, and the confirmation of issue 16 item 3, end to end through the API
 * channel with the real intent layer on seed articles: a direct answer asks "did that answer your
 * question?", yes resolves the ticket, no offers the next best article and then a person; a number
 * or a title picks a "did you mean" article instead of handing the customer over.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { readPrompt } from '../../src/domain/dialogue.ts';
import { DIALOGUE_REASONS } from '../../src/nlu/dialogue-decisions.ts';
import { botTexts } from '../../src/nlu/texts.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { testConfig } from '../support/gateway.ts';
import { ApiCustomer, articleFolder, seedArticles, startKbGateway } from './support.ts';

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
const EN = botTexts('en');

const folder = articleFolder(ARTICLES);
let receiver: CallbackReceiver;
let gateway: Gateway;
let customer: ApiCustomer;

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  gateway = await startKbGateway({ config: testConfig(), seedKnowledgeDir: folder });
  customer = await ApiCustomer.create(gateway, receiver);
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.knowledge.training.obliterate({ force: true });
  await gateway.stop();
  await receiver.stop();
  rmSync(folder, { recursive: true, force: true });
});

describe('the bot asks whether its answer helped', () => {
  it('resolves the ticket when the customer says yes, and asks no rating', async () => {
    const conversation = customer.newConversation();
    const answer = await customer.say(conversation, 'where is my order?');
    expect(answer.reply.text).toBe(
      `${article('order-status', 'en').answer}\n\n${EN.confirmQuestion}`,
    );
    expect(readPrompt(answer.ticket.prompt)).toMatchObject({
      kind: 'confirm',
      articleId: 'order-status',
    });

    const yes = await customer.say(conversation, 'Yes!');
    expect(yes.reply.text).toBe(EN.gladItHelped);
    expect(yes.ticket.status).toBe('resolved');
    expect(yes.ticket.statusHistory.at(-1)).toMatchObject({ to: 'resolved', by: 'customer' });
    expect(yes.ticket.prompt).toBeUndefined();
    const delivered = receiver.received.map((r) => (JSON.parse(r.body) as { text: string }).text);
    expect(delivered.some((t) => t.startsWith('How did we do?'))).toBe(false);
  });

  it('offers the next best article on no, then hands over, recording the answers as unhelpful', async () => {
    const conversation = customer.newConversation();
    await customer.say(conversation, 'where is my order?');
    let turn = await customer.say(conversation, 'no');
    const offered: string[] = [];
    // Each "no" moves to the next best article; after at most two of them a person takes over.
    while (turn.ticket.status === 'bot') {
      expect(turn.reply.text.startsWith(EN.nextArticle)).toBe(true);
      const prompt = readPrompt(turn.ticket.prompt);
      expect(prompt?.kind).toBe('confirm');
      offered.push(prompt?.kind === 'confirm' ? prompt.articleId : '');
      expect(offered.length).toBeLessThanOrEqual(2);
      turn = await customer.say(conversation, 'no, it did not');
    }
    expect(new Set(offered).size).toBe(offered.length);
    expect(offered).not.toContain('order-status');
    expect(turn.reply.text).toBe(EN.handoverUnhelpful);
    expect(turn.ticket).toMatchObject({
      status: 'queued',
      escalationReason: DIALOGUE_REASONS.unhelpful,
    });
    // The first answer is on record as unhelpful for that question (learning's negatives).
    const messages = await gateway.pool.listMessages(String(turn.ticket._id));
    const unhelpful = messages
      .map((m) => (m.decision as { unhelpful?: { articleId: string } } | undefined)?.unhelpful)
      .filter((u) => u !== undefined)
      .map((u) => u.articleId);
    expect(unhelpful[0]).toBe('order-status');
    expect(unhelpful).toHaveLength(offered.length + 1);
  });
});

describe('"did you mean"', () => {
  it('takes a number as the choice (it used to hand the customer over)', async () => {
    const conversation = customer.newConversation();
    const first = await customer.say(conversation, 'how to reset my router password');
    expect(first.reply.text).toContain(EN.didYouMean);
    const prompt = readPrompt(first.ticket.prompt);
    expect(prompt?.kind).toBe('clarify');
    const options = prompt?.kind === 'clarify' ? prompt.options : [];
    expect(options[0]).toBe('password-reset');

    const chosen = await customer.say(conversation, '1');
    expect(chosen.reply.text).toBe(
      `${article('password-reset', 'en').answer}\n\n${EN.confirmQuestion}`,
    );
    expect(chosen.ticket).toMatchObject({ status: 'bot', lastIntent: 'password-reset' });
  });

  it("takes the article's title, as a button sends it", async () => {
    const conversation = customer.newConversation();
    const first = await customer.say(conversation, 'how to reset my router password');
    const title = article('password-reset', 'en').title;
    expect(first.reply.text).toContain(title);
    const chosen = await customer.say(conversation, title);
    expect(chosen.ticket.lastIntent).toBe('password-reset');
    expect(chosen.reply.text.startsWith(article('password-reset', 'en').answer)).toBe(true);
  });

  it('hands over when the customer says none of them', async () => {
    const conversation = customer.newConversation();
    await customer.say(conversation, 'how to reset my router password');
    const none = await customer.say(conversation, 'no');
    expect(none.reply.text).toBe(EN.handoverNoAnswer);
    expect(none.ticket).toMatchObject({
      status: 'queued',
      escalationReason: DIALOGUE_REASONS.noneFit,
    });
  });
});
