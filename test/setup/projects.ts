/**
 * Which vitest project a test file runs in, decided by what it uses, so a new file lands in the
 * right one without a list to keep:
 *
 * - `browser`: it drives Chromium, i.e. it or a local helper it imports imports `playwright-core`;
 * - `integration`: it needs the run's Redis and MongoDB, i.e. it or a local helper it imports
 *   reads their addresses: calls `serviceUrl` (test/support/services.ts) or vitest's `inject` with
 *   `mongoUrl` or `redisUrl`;
 * - `unit`: anything else. That project starts no services, so a file it holds that asks for them
 *   anyway (through serviceUrl) fails with a message saying so, never skips.
 *
 * Both service projects start the same servers once (test/setup/global-services.ts). The scan reads
 * text, comments and strings included: spelling such a call out in a comment moves a file towards
 * the services, never away from them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export type TestProjectName = 'unit' | 'integration' | 'browser';

const USES_BROWSER = /from\s+'playwright-core'|import\(\s*'playwright-core'\s*\)/;
const USES_SERVICES = /\b(?:inject|serviceUrl)\(\s*['"](?:mongoUrl|redisUrl)['"]\s*\)/;
const LOCAL_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;

/**
 * Classifies each file by its own text and that of the files under `scope` it imports (relative
 * imports, followed transitively); `read` returns a file's text, or undefined when there is none.
 */
export function classifyTestFiles(
  files: readonly string[],
  read: (path: string) => string | undefined,
  scope = 'test/',
): Map<string, TestProjectName> {
  const reach = new Map<string, string[]>();
  const reached = (file: string): string[] => {
    const known = reach.get(file);
    if (known !== undefined) return known;
    const texts: string[] = [];
    reach.set(file, texts); // an import cycle ends here
    const text = read(file);
    if (text === undefined) return texts;
    texts.push(text);
    for (const match of text.matchAll(LOCAL_IMPORT)) {
      const target = join(dirname(file), match[1] ?? '');
      if (target.startsWith(scope)) texts.push(...reached(target));
    }
    return texts;
  };
  const projects = new Map<string, TestProjectName>();
  for (const file of files) {
    const texts = reached(file);
    projects.set(
      file,
      texts.some((t) => USES_BROWSER.test(t))
        ? 'browser'
        : texts.some((t) => USES_SERVICES.test(t))
          ? 'integration'
          : 'unit',
    );
  }
  return projects;
}

function testFiles(root: string, folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(root, path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The test files under `<root>/test`, as paths relative to root, grouped by project. */
export function testProjects(root: string): Record<TestProjectName, string[]> {
  const read = (path: string) => {
    const full = resolve(root, path);
    return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  };
  const groups: Record<TestProjectName, string[]> = { unit: [], integration: [], browser: [] };
  for (const [file, project] of classifyTestFiles(testFiles(root, 'test'), read))
    groups[project].push(relative(root, resolve(root, file)));
  return groups;
}
