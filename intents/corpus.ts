/**
 * Reader for the hand-written corpus in `intents/corpus/`: `<intent>.<locale>.txt`, one utterance
 * per line. `out-of-scope.<locale>.txt` becomes the out-of-scope class; the other files are the
 * built-in conversational intents (greeting, thanks, goodbye, human).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OOS_INTENT } from './types.ts';
import type { LabeledUtterance } from './types.ts';

/** The corpus folder shipped next to this module. */
export const DEFAULT_CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));

const OUT_OF_SCOPE_FILE = 'out-of-scope';

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Out-of-scope examples for a locale, labelled `oos`; empty when the file is missing. */
export function loadOutOfScope(locale: string, dir = DEFAULT_CORPUS_DIR): LabeledUtterance[] {
  const path = join(dir, `${OUT_OF_SCOPE_FILE}.${locale}.txt`);
  if (!existsSync(path)) return [];
  return readLines(path).map((text) => ({ text, intent: OOS_INTENT }));
}

/** Built-in conversational intents for a locale (every `<intent>.<locale>.txt` but out-of-scope). */
export function loadConversationalIntents(
  locale: string,
  dir = DEFAULT_CORPUS_DIR,
): LabeledUtterance[] {
  if (!existsSync(dir)) return [];
  const suffix = `.${locale}.txt`;
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix) && name !== `${OUT_OF_SCOPE_FILE}${suffix}`)
    .sort()
    .flatMap((name) => {
      const intent = name.slice(0, -suffix.length);
      return readLines(join(dir, name)).map((text) => ({ text, intent }));
    });
}
