import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.ts';
import { ERROR_CATALOGUE } from '../../src/domain/errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every configuration variable in its table', () => {
    const missing = Object.keys(ConfigSchema.shape).filter(
      (name) => !readme.includes(`| \`${name}\` |`),
    );
    expect(missing).toEqual([]);
  });

  it('documents every error code with its HTTP status', () => {
    const missing = Object.entries(ERROR_CATALOGUE)
      .filter(([code, entry]) => !readme.includes(`| \`${code}\` | ${entry.httpStatus} |`))
      .map(([code]) => code);
    expect(missing).toEqual([]);
  });

  it('gives the two quickstart commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
