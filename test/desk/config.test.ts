import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DeskConfigSchema, loadDeskConfig } from '../../src/desk/config.ts';
import { SLASH_COMMAND } from '../../src/desk/desk.ts';
import { isSwitchboardError } from '../../src/domain/errors.ts';

const BASE = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: '0123456789abcdef0123',
  SLACK_AGENTS_CHANNEL: 'C0AGENTS',
};

function configError(env: NodeJS.ProcessEnv): unknown {
  try {
    loadDeskConfig(env);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('desk config', () => {
  describe('when SLACK_BOT_TOKEN is unset or empty', () => {
    it('leaves the desk off', () => {
      expect(loadDeskConfig({})).toBeUndefined();
      expect(loadDeskConfig({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: 'x' })).toBeUndefined();
    });
  });

  describe('when the desk is configured', () => {
    it('applies the defaults', () => {
      expect(loadDeskConfig(BASE)).toMatchObject({
        DESK_NOTE_PREFIX: '//',
        SLACK_EVENTS_PATH: '/slack/events',
        DESK_CONCURRENCY: 4,
        DESK_ATTEMPTS: 10,
      });
      expect(loadDeskConfig({ ...BASE, SLACK_API_URL: 'http://127.0.0.1:9/api' })).toMatchObject({
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
      });
    });

    it.each([
      ['SLACK_SIGNING_SECRET', { SLACK_SIGNING_SECRET: undefined }],
      ['SLACK_SIGNING_SECRET', { SLACK_SIGNING_SECRET: 'short' }],
      ['SLACK_AGENTS_CHANNEL', { SLACK_AGENTS_CHANNEL: '#support' }],
      ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: 'not-a-token' }],
    ])('stops with SB_ERR_CONFIG naming %s when it is missing or bad', (variable, change) => {
      const error = configError({ ...BASE, ...change });
      expect(isSwitchboardError(error) && error.code).toBe('SB_ERR_CONFIG');
      expect(isSwitchboardError(error) && error.field).toBe(variable);
    });
  });

  it('documents every variable in src/desk/README.md', () => {
    const readme = readFileSync(new URL('../../src/desk/README.md', import.meta.url), 'utf8');
    const missing = Object.keys(DeskConfigSchema.shape).filter(
      (name) => !new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm').test(readme),
    );
    expect(missing).toEqual([]);
  });
});

describe('slack-app-manifest.yml', () => {
  const manifest = parse(
    readFileSync(new URL('../../slack-app-manifest.yml', import.meta.url), 'utf8'),
  ) as {
    oauth_config: { scopes: { bot: string[] } };
    features: { slash_commands: Array<{ command: string; url: string }> };
    settings: {
      event_subscriptions: { request_url: string; bot_events: string[] };
      interactivity: { is_enabled: boolean; request_url: string };
    };
  };

  it('asks for the scopes, events and slash command the desk and the customer channel use, all on one endpoint', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'chat:write',
        'commands',
        'channels:history',
        'groups:history',
        'im:history',
        'users:read',
        'app_mentions:read',
        // Issue 19: the profile email (a vouched identity), files in and files out.
        'users:read.email',
        'files:read',
        'files:write',
      ]),
    );
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['message.channels', 'message.im', 'app_mention']),
    );
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([SLASH_COMMAND]);
    const urls = [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c) => c.url),
    ];
    expect(urls.every((url) => new URL(url).pathname === '/slack/events')).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });
});
