/**
 * Sparse TF-IDF features: word unigrams and bigrams (stemmed where node-nlp has a stemmer) plus
 * character n-grams. The character n-grams are what node-nlp's own classifier lacks: they carry
 * typos, inflections the stemmer misses, and Chinese, where a "word" is only a segmenter's guess.
 */
import { hasHan, normalizeText, stemmerFor, words } from './tokenize.ts';

/** A sparse, L2-normalized vector: parallel arrays of feature indices and values. */
export interface SparseVector {
  readonly idx: Int32Array;
  readonly val: Float32Array;
}

/** Feature extraction settings; stored with the model so a loaded model extracts the same way. */
export interface FeatureSettings {
  /** Inclusive range of character n-gram lengths taken inside word boundaries (non-Han text). */
  charMin: number;
  charMax: number;
  /** Features seen in fewer training utterances are dropped (keeps big models small). */
  minDf: number;
}

/** Plain-JSON form of a fitted vectorizer. */
export interface SerializedVectorizer {
  locale: string;
  settings: FeatureSettings;
  vocabulary: string[];
  idf: number[];
}

/** Counts the raw features of one utterance (before vocabulary filtering and weighting). */
export function extractFeatures(
  text: string,
  locale: string,
  settings: FeatureSettings,
): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const tokens = words(normalizeText(text));
  const stemmer = stemmerFor(locale);
  const stems = stemmer === null ? tokens : stemmer.stem(tokens);
  for (let i = 0; i < stems.length; i += 1) {
    const stem = stems[i] ?? '';
    add(`w:${stem}`);
    if (i + 1 < stems.length) add(`b:${stem}_${stems[i + 1] ?? ''}`);
  }
  for (const token of tokens) {
    if (hasHan(token)) {
      // Chinese: single characters and character bigrams across the segmenter's word.
      const chars = Array.from(token);
      for (let i = 0; i < chars.length; i += 1) {
        add(`h:${chars[i] ?? ''}`);
        if (i + 1 < chars.length) add(`h:${chars[i] ?? ''}${chars[i + 1] ?? ''}`);
      }
      continue;
    }
    const padded = ` ${token} `;
    for (let n = settings.charMin; n <= settings.charMax; n += 1) {
      for (let i = 0; i + n <= padded.length; i += 1) add(`c:${padded.slice(i, i + n)}`);
    }
  }
  // Adjacent Chinese words are glued by the segmenter inconsistently; bigrams across the
  // boundary between two Han tokens recover phrases like 退款 split as 退|款.
  for (let i = 0; i + 1 < tokens.length; i += 1) {
    const a = tokens[i] ?? '';
    const b = tokens[i + 1] ?? '';
    if (hasHan(a) && hasHan(b)) add(`h:${a.slice(-1)}${b.slice(0, 1)}`);
  }
  return counts;
}

/** Four decimals are plenty for IDF weights of order 1-10 and keep the JSON short. */
function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/** Fitted TF-IDF vectorizer with a fixed vocabulary. */
export class Vectorizer {
  private readonly index: Map<string, number>;

  private constructor(
    readonly locale: string,
    readonly settings: FeatureSettings,
    readonly vocabulary: string[],
    readonly idf: Float32Array,
  ) {
    this.index = new Map(vocabulary.map((feature, i) => [feature, i]));
  }

  /** Learns the vocabulary and inverse document frequencies from training utterances. */
  static fit(texts: readonly string[], locale: string, settings: FeatureSettings): Vectorizer {
    const df = new Map<string, number>();
    for (const text of texts) {
      for (const key of extractFeatures(text, locale, settings).keys()) {
        df.set(key, (df.get(key) ?? 0) + 1);
      }
    }
    // Sorted so the same corpus always yields the same indices (deterministic models).
    const vocabulary = [...df.entries()]
      .filter(([, count]) => count >= settings.minDf)
      .map(([key]) => key)
      .sort();
    const n = texts.length;
    const idf = new Float32Array(vocabulary.length);
    vocabulary.forEach((key, i) => {
      // Rounded here, not only in toJSON, so a reloaded model computes exactly the same scores.
      idf[i] = round4(Math.log((1 + n) / (1 + (df.get(key) ?? 0))) + 1);
    });
    return new Vectorizer(locale, settings, vocabulary, idf);
  }

  /** Restores a vectorizer from its JSON form. */
  static fromJSON(json: SerializedVectorizer): Vectorizer {
    return new Vectorizer(json.locale, json.settings, json.vocabulary, Float32Array.from(json.idf));
  }

  get size(): number {
    return this.vocabulary.length;
  }

  /** Sublinear TF times IDF, L2-normalized; features outside the vocabulary are ignored. */
  transform(text: string): SparseVector {
    const entries: Array<[number, number]> = [];
    for (const [key, count] of extractFeatures(text, this.locale, this.settings)) {
      const i = this.index.get(key);
      if (i !== undefined) entries.push([i, (1 + Math.log(count)) * (this.idf[i] ?? 1)]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    let norm = 0;
    for (const [, v] of entries) norm += v * v;
    norm = Math.sqrt(norm) || 1;
    return {
      idx: Int32Array.from(entries, ([i]) => i),
      val: Float32Array.from(entries, ([, v]) => v / norm),
    };
  }

  toJSON(): SerializedVectorizer {
    return {
      locale: this.locale,
      settings: this.settings,
      vocabulary: this.vocabulary,
      idf: Array.from(this.idf, round4),
    };
  }
}
