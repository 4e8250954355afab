/**
 * IntentEngine: the multi-locale facade the core calls. One model per locale; a message is routed
 * by detected language, classified, and given a sentiment.
 */
import { detectLanguage } from './language.ts';
import { analyzeSentiment } from './sentiment.ts';
import type { Classification, IntentModel } from './types.ts';

/** Construction options. */
export interface IntentEngineOptions {
  models: readonly IntentModel[];
  /** Locale used when the language is unsupported or undetectable; must have a model. */
  fallbackLocale: string;
}

/** Raised when the engine is asked for a locale it has no model for. */
export class MissingIntentModelError extends Error {
  readonly code = 'SB_ERR_INTENT_MODEL_MISSING';
}

/**
 * Holds one IntentModel per locale. Models are immutable and the locale table is replaced as a
 * whole on `swap`, so a classification always runs against one consistent model: the one that
 * was current when it started, even if a retrained model is swapped in while it awaits sentiment.
 */
export class IntentEngine {
  private models: ReadonlyMap<string, IntentModel>;
  readonly fallbackLocale: string;

  constructor(options: IntentEngineOptions) {
    this.models = new Map(options.models.map((m) => [m.locale, m]));
    this.fallbackLocale = options.fallbackLocale;
    if (!this.models.has(this.fallbackLocale)) {
      throw new MissingIntentModelError(`no model for fallback locale ${this.fallbackLocale}`);
    }
  }

  /** Locales with a model. */
  get locales(): string[] {
    return [...this.models.keys()];
  }

  /** The current model of a locale. */
  model(locale: string): IntentModel | undefined {
    return this.models.get(locale);
  }

  /**
   * Installs `model` for `locale` (adding the locale if new) and returns the model it replaced.
   * A plain reference swap: classifications already running keep the model they started with.
   */
  swap(locale: string, model: IntentModel): IntentModel | undefined {
    if (model.locale !== locale) {
      throw new MissingIntentModelError(`model is for ${model.locale}, not ${locale}`);
    }
    const previous = this.models.get(locale);
    const next = new Map(this.models);
    next.set(locale, model);
    this.models = next;
    return previous;
  }

  /**
   * Classifies `text`: detects its language (unless `locale` is given), picks that locale's
   * model (the fallback's when unsupported) and adds sentiment.
   */
  async classify(text: string, locale?: string): Promise<Classification> {
    // Read the table once, synchronously: everything below uses this snapshot.
    const models = this.models;
    const chosen = locale ?? detectLanguage(text, [...models.keys()], this.fallbackLocale);
    const model = models.get(chosen) ?? models.get(this.fallbackLocale);
    if (model === undefined) throw new MissingIntentModelError(`no model for ${chosen}`);
    const result = model.classify(text);
    const sentiment = await analyzeSentiment(text, model.locale);
    return { ...result, sentiment };
  }
}
