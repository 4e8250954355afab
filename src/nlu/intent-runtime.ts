/**
 * What a worker process holds of the intent layer: the IntentEngine and, per locale, the articles
 * and search index that go with the engine's model. Both are replaced together in one synchronous
 * step, so a classification and the answer looked up for it always come from the same training.
 */
import { IntentEngine } from '../../intents/index.ts';
import type { LocaleKnowledge } from './locale-knowledge.ts';

/** A consistent view: read it once per message. */
export interface IntentState {
  engine: IntentEngine | undefined;
  knowledge: ReadonlyMap<string, LocaleKnowledge>;
}

/** The swappable intent state of one process (see the file comment). */
export class IntentRuntime {
  private state: IntentState = { engine: undefined, knowledge: new Map() };

  constructor(private readonly fallbackLocale: string) {}

  /** The current engine and knowledge (no engine while the knowledge base has nothing published). */
  current(): IntentState {
    return this.state;
  }

  /** The hash of the knowledge served for `locale`, if any. */
  hashOf(locale: string): string | undefined {
    return this.state.knowledge.get(locale)?.hash;
  }

  /**
   * Installs a locale's knowledge. The engine is created with the first model (falling back to the
   * configured locale once it has one) and swapped afterwards: classifications already running
   * finish on the model they started with.
   */
  install(knowledge: LocaleKnowledge): void {
    const table = new Map(this.state.knowledge);
    table.set(knowledge.locale, knowledge);
    let engine = this.state.engine;
    if (
      engine === undefined ||
      (engine.fallbackLocale !== this.fallbackLocale && knowledge.locale === this.fallbackLocale)
    ) {
      const fallbackLocale = table.has(this.fallbackLocale)
        ? this.fallbackLocale
        : knowledge.locale;
      engine = new IntentEngine({
        models: [...table.values()].map((k) => k.model),
        fallbackLocale,
      });
    } else {
      engine.swap(knowledge.locale, knowledge.model);
    }
    this.state = { engine, knowledge: table };
  }
}
