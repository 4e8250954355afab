import type { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { SlackNames } from '../../../channels/slack/names.ts';

/** A users.info that answers `profile` (or throws), counting calls. */
function client(answer: () => Promise<Record<string, unknown>>) {
  const calls = { n: 0 };
  const stub = {
    users: {
      info: () => {
        calls.n += 1;
        return answer();
      },
    },
  } as unknown as webApi.WebClient;
  return { stub, calls };
}

describe('SlackNames', () => {
  describe('when the profile email is not an address', () => {
    it('keeps the name and drops the email', async () => {
      const { stub } = client(() =>
        Promise.resolve({ user: { profile: { display_name: 'Mia', email: 'not an <address>' } } }),
      );
      expect(await new SlackNames(stub, 500).profileOf('U1')).toEqual({ name: 'Mia' });
    });
  });

  describe('when a profile was read', () => {
    it('reuses it for an hour, then asks again, and keeps it while Slack fails', async () => {
      let now = 0;
      let fail = false;
      const { stub, calls } = client(() =>
        fail
          ? Promise.reject(new Error('slack down'))
          : Promise.resolve({ user: { profile: { email: 'Mia@Example.test' } } }),
      );
      const names = new SlackNames(stub, 500, () => now);
      expect(await names.profileOf('U1')).toEqual({ email: 'mia@example.test' });
      now = 59 * 60_000;
      await names.profileOf('U1');
      expect(calls.n).toBe(1);
      now = 61 * 60_000;
      fail = true;
      expect(await names.profileOf('U1')).toEqual({ email: 'mia@example.test' });
      expect(calls.n).toBe(2);
    });
  });
});
