import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackBolt } from '../../src/desk/bolt.ts';
import { loadDeskConfig } from '../../src/desk/config.ts';
import { slackLogger } from '../../src/desk/slack-logger.ts';
import { isSwitchboardError } from '../../src/domain/errors.ts';
import { FakeSlack } from './fake-slack.ts';

const BASE = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_AGENTS_CHANNEL: 'C0AGENTS',
};

let slack: FakeSlack;

beforeAll(async () => {
  slack = await new FakeSlack().start();
});

afterAll(async () => {
  await slack.stop();
});

describe('Socket Mode', () => {
  describe('when SLACK_SOCKET_MODE is true', () => {
    it('needs an app-level token, not the signing secret', () => {
      let error: unknown;
      try {
        loadDeskConfig({ ...BASE, SLACK_SOCKET_MODE: 'true' });
      } catch (caught) {
        error = caught;
      }
      expect(isSwitchboardError(error) && error.field).toBe('SLACK_APP_TOKEN');
      expect(
        loadDeskConfig({ ...BASE, SLACK_SOCKET_MODE: 'true', SLACK_APP_TOKEN: 'xapp-1-A-1-x' }),
      ).toMatchObject({ SLACK_SOCKET_MODE: true, SLACK_APP_TOKEN: 'xapp-1-A-1-x' });
    });

    it('receives through a socket (no HTTP endpoint) opened with the app-level token', async () => {
      const config = loadDeskConfig({
        ...BASE,
        SLACK_SOCKET_MODE: 'true',
        SLACK_APP_TOKEN: 'xapp-1-A0SWITCH-1-secret',
        SLACK_API_URL: slack.url,
      })!;
      const bolt = createSlackBolt(config, slackLogger(undefined));
      expect(bolt.mode).toBe('socket');
      expect(bolt.router).toBeUndefined();
      // The stand-in refuses apps.connections.open (invalid_auth): start fails cleanly, at once.
      await expect(bolt.start()).rejects.toThrow(/invalid_auth/);
      const [open] = slack.callsOf('apps.connections.open');
      expect(open?.token).toBe('xapp-1-A0SWITCH-1-secret');
      await bolt.stop();
    });
  });

  describe('when SLACK_SOCKET_MODE is unset', () => {
    it('serves the HTTP endpoint and still needs the signing secret', () => {
      let error: unknown;
      try {
        loadDeskConfig(BASE);
      } catch (caught) {
        error = caught;
      }
      expect(isSwitchboardError(error) && error.field).toBe('SLACK_SIGNING_SECRET');
      const config = loadDeskConfig({ ...BASE, SLACK_SIGNING_SECRET: '0123456789abcdef0123' })!;
      const bolt = createSlackBolt(config, slackLogger(undefined));
      expect(bolt.mode).toBe('http');
      expect(bolt.router).toBeDefined();
    });
  });
});
