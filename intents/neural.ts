/**
 * node-nlp's own classifier (its NeuralNetwork: one leaky-ReLU perceptron per intent, the model
 * inside NlpManager) fed with our word features. Driving it directly instead of through
 * NlpManager skips the NER/NLG/sentiment pipeline that Switchboard does not use here and lets us
 * set its stop rule: the default `deltaErrorThresh` stops far from convergence on large corpora.
 */
import nlp from 'node-nlp';
import type { FeatureBag, NeuralNetworkJSON, NeuralNetworkSettings } from 'node-nlp';
import { decodeRow, encodeRow } from './quantize.ts';
import type { SparseRow } from './quantize.ts';
import { normalizeText, stemmerFor, words } from './tokenize.ts';

/** Plain-JSON form: settings, feature and intent names, quantized perceptron rows. */
export interface SerializedNeural {
  locale: string;
  settings: NeuralNetworkSettings;
  features: string[];
  intents: string[];
  rows: SparseRow[];
}

/** node-nlp's classifier wrapped to take raw text and return normalized scores. */
export class NeuralModel {
  private constructor(
    readonly locale: string,
    private readonly network: InstanceType<typeof nlp.NeuralNetwork>,
    private readonly json: SerializedNeural,
  ) {}

  /** Stemmed word tokens as node-nlp expects them: a bag of token -> 1. */
  static features(text: string, locale: string): FeatureBag {
    const tokens = words(normalizeText(text));
    const stemmer = stemmerFor(locale);
    const bag: FeatureBag = {};
    for (const token of stemmer === null ? tokens : stemmer.stem(tokens)) bag[token] = 1;
    return bag;
  }

  /** Trains node-nlp's network on the labelled texts. Deterministic: it has no randomness. */
  static train(
    texts: readonly string[],
    intents: readonly string[],
    locale: string,
    settings: NeuralNetworkSettings,
  ): NeuralModel {
    const network = new nlp.NeuralNetwork({ ...settings, log: false });
    network.train(
      texts.map((text, i) => ({
        input: NeuralModel.features(text, locale),
        output: { [intents[i] ?? '']: 1 },
      })),
    );
    return NeuralModel.fromJSON(NeuralModel.encode(locale, network.toJSON()));
  }

  /** Restores a model from its JSON form. */
  static fromJSON(json: SerializedNeural): NeuralModel {
    const perceptrons = json.rows.map((row) => {
      // node-nlp stores each perceptron as its weights followed by its bias.
      const dense = new Array<number>(json.features.length + 1).fill(0);
      decodeRow(row, (i, value) => {
        dense[i] = value;
      });
      return dense;
    });
    const network = new nlp.NeuralNetwork();
    network.fromJSON({
      settings: json.settings,
      features: json.features,
      intents: json.intents,
      perceptrons,
    });
    return new NeuralModel(json.locale, network, json);
  }

  private static encode(locale: string, raw: NeuralNetworkJSON): SerializedNeural {
    const features = raw.features ?? [];
    return {
      locale,
      settings: raw.settings,
      features,
      intents: raw.intents ?? [],
      rows: (raw.perceptrons ?? []).map((p) =>
        encodeRow((i) => p[i] ?? 0, features.length + 1, 0.001),
      ),
    };
  }

  get intents(): readonly string[] {
    return this.json.intents;
  }

  /**
   * Scores per intent, normalized the way node-nlp's NLU does it (squared, then divided by the
   * sum), so they read like NlpManager's `classifications`. All zeros when no known word matched.
   */
  predict(text: string): Map<string, number> {
    const raw = this.network.run(NeuralModel.features(text, this.locale)) ?? {};
    let total = 0;
    const out = new Map<string, number>();
    for (const intent of this.json.intents) {
      const s = (raw[intent] ?? 0) ** 2;
      out.set(intent, s);
      total += s;
    }
    if (total > 0) for (const [k, v] of out) out.set(k, v / total);
    return out;
  }

  toJSON(): SerializedNeural {
    return this.json;
  }
}
