import { beforeAll, describe, expect, it } from 'vitest';
import { trainIntentModel } from '../../intents/index.ts';
import type { ChannelCapabilities, ResponderInput } from '../../src/domain/ports.ts';
import { IntentResponder } from '../../src/nlu/intent-responder.ts';
import { IntentRuntime } from '../../src/nlu/intent-runtime.ts';
import { assembleLocaleKnowledge } from '../../src/nlu/locale-knowledge.ts';
import { botTexts } from '../../src/nlu/texts.ts';
import { buildTrainingSet } from '../../src/nlu/training-set.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import { readArticleFolder, SEED_ARTICLES_DIR } from '../../knowledge/folder.ts';
import { seedArticles } from './support.ts';

const ARTICLES = seedArticles(['account-details', 'gift-cards', 'opening-hours']);
const runtime = new IntentRuntime('en');

function input(
  text: string,
  options: { format?: ChannelCapabilities['format']; language?: string } = {},
): ResponderInput {
  return {
    ticket: {
      id: 't1',
      channel: 'api',
      status: 'bot',
      language: options.language,
      lastIntent: undefined,
      botMisses: 0,
    },
    message: { id: 'm1', text, newText: undefined },
    capabilities: {
      threads: false,
      attachments: { inbound: false, outbound: false },
      maxTextLength: 1600,
      format: options.format ?? 'markdown',
      canEdit: false,
    },
  };
}

beforeAll(async () => {
  for (const locale of ['en', 'zh']) {
    const articles = ARTICLES.filter((a) => a.locale === locale);
    const model = await trainIntentModel({ locale, train: buildTrainingSet(locale, articles) });
    runtime.install(assembleLocaleKnowledge(locale, `test-${locale}`, model, articles));
  }
});

describe('IntentResponder', () => {
  const responder = () => new IntentResponder(runtime, new EscalateAllResponder());

  describe('when the knowledge base has no model yet', () => {
    it('hands every message to the fallback (escalate all)', async () => {
      const empty = new IntentResponder(new IntentRuntime('en'), new EscalateAllResponder());
      expect(await empty.respond(input('how do I change my email address?'))).toEqual({
        action: 'escalate',
        reason: 'no intent layer configured',
      });
    });
  });

  describe('when the channel shows plain text', () => {
    it('sends the answer without markup, links kept as text', async () => {
      const decision = await responder().respond(
        input('I need to update the email on my account', { format: 'plain' }),
      );
      expect(decision).toMatchObject({
        action: 'reply',
        counted: 'answer',
        intent: 'account-details',
      });
      if (decision.action !== 'reply') return;
      expect(decision.text).toContain(
        'Sign in and go to https://shop.example.com/account/settings:',
      );
      expect(decision.text).toContain(
        '- Name and phone number: edit under Personal details and save.',
      );
      expect(decision.text).not.toContain('**');
      expect(decision.markdown).toBeUndefined();
    });
  });

  describe('when the channel shows HTML', () => {
    it('sends sanitized HTML beside a plain-text version', async () => {
      const decision = await responder().respond(
        input('I need to update the email on my account', { format: 'html' }),
      );
      if (decision.action !== 'reply') throw new Error(`expected a reply, got ${decision.reason}`);
      expect(decision.html).toContain('<strong>Name and phone number</strong>');
      expect(decision.html).toContain('<a href="https://shop.example.com/account/settings"');
      expect(decision.text).not.toContain('<');
    });
  });

  describe('when the message has no text', () => {
    it('escalates in the ticket language', async () => {
      expect(await responder().respond(input('   ', { language: 'zh' }))).toMatchObject({
        action: 'escalate',
        text: botTexts('zh').handoverNoAnswer,
      });
    });
  });

  describe('when the model is not sure (its middle band)', () => {
    it('lists its best articles as "did you mean", numbered in the text and as choices', async () => {
      // The whole English seed knowledge base: close articles make a middle band.
      const full = new IntentRuntime('en');
      const articles = readArticleFolder(SEED_ARTICLES_DIR).articles.filter(
        (a) => a.locale === 'en',
      );
      const model = await trainIntentModel({
        locale: 'en',
        train: buildTrainingSet('en', articles),
      });
      full.install(assembleLocaleKnowledge('en', 'test-full-en', model, articles));
      const question = 'do you ship to canada';
      const classified = model.classify(question);
      expect(classified.band).toBe('clarify');
      const titles = classified.candidates.flatMap((c) => {
        const found = articles.find((a) => a.id === c.intent);
        return found ? [found.title] : [];
      });
      expect(titles.length).toBeGreaterThan(0);

      const decision = await new IntentResponder(full, new EscalateAllResponder()).respond(
        input(question),
      );
      if (decision.action !== 'reply') throw new Error(`expected a reply, got ${decision.reason}`);
      expect(decision.counted).toBe('miss');
      expect(decision.choices).toEqual(titles);
      // The numbered list stays in the text, for channels without buttons (SMS, email).
      expect(decision.text).toContain(botTexts('en').didYouMean);
      expect(decision.text).toContain(titles.map((t, i) => `${i + 1}. ${t}`).join('\n'));
      expect(decision.prompt).toMatchObject({ kind: 'clarify' });
    }, 60_000);
  });

  describe('when the customer thanks or says goodbye', () => {
    it('answers briefly and counts it as small talk', async () => {
      expect(await responder().respond(input('thanks so much'))).toMatchObject({
        action: 'reply',
        counted: 'smalltalk',
        text: botTexts('en').thanks,
      });
      expect(await responder().respond(input('再见'))).toMatchObject({
        action: 'reply',
        counted: 'smalltalk',
        text: botTexts('zh').goodbye,
      });
    });
  });
});
