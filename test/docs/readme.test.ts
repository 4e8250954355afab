import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmailConfigSchema } from '../../channels/email/config.ts';
import { SlackChannelConfigSchema } from '../../channels/slack/config.ts';
import { SmsConfigSchema } from '../../channels/sms/config.ts';
import { WebchatConfigSchema } from '../../channels/webchat/config.ts';
import { ConfigSchema } from '../../src/config.ts';
import { DeskConfigSchema } from '../../src/desk/config.ts';
import { DispatchEnvSchema } from '../../src/dispatch/config.ts';
import { ERROR_CATALOGUE } from '../../src/domain/errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** A table row whose first cell is `name` (Prettier pads cells, so spacing is free). */
function rowOf(name: string): string | undefined {
  return readme.split('\n').find((line) => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`).test(line));
}

describe('README', () => {
  it('documents every configuration variable in its tables', () => {
    const names = [
      ...Object.keys(ConfigSchema.shape),
      ...Object.keys(SmsConfigSchema.shape),
      ...Object.keys(WebchatConfigSchema.shape),
      ...Object.keys(DeskConfigSchema.shape),
      ...Object.keys(SlackChannelConfigSchema.shape),
      ...Object.keys(EmailConfigSchema.shape),
      ...Object.keys(DispatchEnvSchema.shape),
    ];
    expect(names.filter((name) => rowOf(name) === undefined)).toEqual([]);
  });

  it('documents every error code with its HTTP status', () => {
    const wrong = Object.entries(ERROR_CATALOGUE)
      .filter(([code, entry]) => !rowOf(code)?.split('|')[2]?.includes(String(entry.httpStatus)))
      .map(([code]) => code);
    expect(wrong).toEqual([]);
  });

  it('gives the two quickstart commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
