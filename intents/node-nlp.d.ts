/**
 * Minimal typings for the parts of node-nlp 4.27 that Switchboard calls. node-nlp ships no types
 * (and `@types/node-nlp` does not exist), so only what `intents/` uses is declared here.
 */
declare module 'node-nlp' {
  /** A feature bag: token -> weight. node-nlp's neural classifier reads only the keys' values. */
  export type FeatureBag = Record<string, number>;

  export interface NeuralNetworkSettings {
    iterations?: number;
    errorThresh?: number;
    deltaErrorThresh?: number;
    learningRate?: number;
    momentum?: number;
    alpha?: number;
    log?: boolean;
  }

  export interface NeuralNetworkJSON {
    settings: NeuralNetworkSettings;
    features?: string[];
    intents?: string[];
    perceptrons?: number[][];
  }

  /** One-layer leaky-ReLU perceptron per intent (the classifier inside NlpManager). */
  export class NeuralNetwork {
    constructor(settings?: NeuralNetworkSettings);
    train(corpus: Array<{ input: FeatureBag; output: FeatureBag }>): {
      error: number;
      deltaError: number;
      iterations: number;
    };
    run(input: FeatureBag): Record<string, number> | undefined;
    toJSON(): NeuralNetworkJSON;
    fromJSON(json: NeuralNetworkJSON): void;
  }

  export interface NlpClassification {
    intent: string;
    score: number;
  }

  export interface NlpResult {
    locale: string;
    utterance: string;
    intent: string;
    score: number;
    classifications?: NlpClassification[];
  }

  export interface NlpManagerSettings {
    languages?: string[];
    forceNER?: boolean;
    autoSave?: boolean;
    autoLoad?: boolean;
    nlu?: { log?: boolean };
  }

  export class NlpManager {
    constructor(settings?: NlpManagerSettings);
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<unknown>;
    process(locale: string, utterance: string): Promise<NlpResult>;
  }

  export interface SentimentResult {
    score: number;
    numWords: number;
    numHits: number;
    average: number;
    type: string | undefined;
    locale: string;
    vote: 'positive' | 'neutral' | 'negative';
  }

  export class SentimentAnalyzer {
    constructor(settings?: Record<string, unknown>);
    getSentiment(utterance: string, locale?: string): Promise<SentimentResult>;
  }

  export interface LanguageGuess {
    alpha3: string;
    alpha2: string;
    language: string;
    score: number;
  }

  export class Language {
    guess(text: string, allowList?: string[], limit?: number): LanguageGuess[];
    guessBest(text: string, allowList?: string[]): LanguageGuess | undefined;
  }

  export interface Stemmer {
    stem(tokens: string[]): string[];
  }

  export const NlpUtil: {
    getStemmer(locale: string): Stemmer;
  };
}
