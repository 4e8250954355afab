import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../channels/index.ts';
import { ConfigSchema } from '../../src/config.ts';
import { DeskConfigSchema } from '../../src/desk/config.ts';
import { DispatchEnvSchema } from '../../src/dispatch/config.ts';
import { ERROR_CATALOGUE } from '../../src/domain/errors.ts';

const repo = resolve(import.meta.dirname, '../..');
const read = (path: string): string => readFileSync(join(repo, path), 'utf8');
const readme = read('README.md');
const configuration = read('docs/configuration.md');
const errors = read('docs/errors.md');

/** A table row of `page` whose first cell is `name` (Prettier pads cells, so spacing is free). */
function rowOf(page: string, name: string): string | undefined {
  return page.split('\n').find((line) => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`).test(line));
}

/** The README and every page of docs/, by path from the repository's root. */
const pages = [
  'README.md',
  ...readdirSync(join(repo, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The targets of a page's markdown links and images, outside code blocks and code spans. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as `-`. */
function anchorsOf(markdown: string): string[] {
  const seen = new Map<string, number>();
  return markdown
    .replace(/```[\s\S]*?```/g, '')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => {
      const slug = line
        .replace(/^#+ /, '')
        .trim()
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      return count === 0 ? slug : `${slug}-${count}`;
    });
}

describe('README', () => {
  it('is under 12,000 characters: the details live in docs/', () => {
    expect([...readme].length).toBeLessThan(12_000);
  });

  it('documents every configuration variable in docs/configuration.md', async () => {
    // Each channel's settings come from the registry: a new channel's variables are checked too.
    const channels = await Promise.all(CHANNELS.map(async (entry) => (await entry.load()).channel));
    const names = [
      ...Object.keys(ConfigSchema.shape),
      ...Object.keys(DeskConfigSchema.shape),
      ...Object.keys(DispatchEnvSchema.shape),
      ...channels.flatMap((channel) => Object.keys(channel.configSchema?.shape ?? {})),
    ];
    // Every channel that reads variables says which (the API channel reads the core's).
    expect(names).toEqual(expect.arrayContaining(['TWILIO_ACCOUNT_SID', 'EMAIL_IMAP_HOST']));
    expect(names.filter((name) => rowOf(configuration, name) === undefined)).toEqual([]);
  });

  it('documents every error code with its HTTP status in docs/errors.md', () => {
    const wrong = Object.entries(ERROR_CATALOGUE)
      .filter(
        ([code, entry]) => !rowOf(errors, code)?.split('|')[2]?.includes(String(entry.httpStatus)),
      )
      .map(([code]) => code);
    expect(wrong).toEqual([]);
  });

  it('gives the two quickstart commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });

  it('links, as do the pages of docs/, only to files that exist', () => {
    const broken = pages.flatMap((page) =>
      linkTargets(read(page))
        .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
        .map((target) => decodeURIComponent(target.split('#')[0] ?? ''))
        .filter((path) => !existsSync(resolve(repo, dirname(page), path)))
        .map((path) => `${page} -> ${relative(repo, resolve(repo, dirname(page), path))}`),
    );
    expect(pages.length).toBeGreaterThan(5);
    expect(broken).toEqual([]);
  });

  it('links into markdown pages only to headings that exist there', () => {
    const broken = pages.flatMap((page) =>
      linkTargets(read(page))
        .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && target.includes('#'))
        .filter((target) => {
          const [path = '', anchor = ''] = target.split('#');
          const file = resolve(repo, dirname(page), decodeURIComponent(path) || page);
          if (path === '') return !anchorsOf(read(page)).includes(anchor);
          if (!file.endsWith('.md') || !existsSync(file)) return false; // the file check's job
          return !anchorsOf(readFileSync(file, 'utf8')).includes(decodeURIComponent(anchor));
        })
        .map((target) => `${page} -> ${target}`),
    );
    expect(broken).toEqual([]);
  });
});
