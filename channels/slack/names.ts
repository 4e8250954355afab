import type { webApi } from '@slack/bolt';

const CACHE_SIZE = 1000;
/**
 * How long a looked-up profile is reused. Long enough that a busy conversation asks users.info
 * once; short enough that a member's changed email (an identity we link on) is seen within the day.
 */
const CACHE_MS = 60 * 60 * 1000;

/** Slack's profile emails are bounded like our identities; anything unlike an address is dropped. */
const EMAIL = /^[^\s@<>]{1,200}@[^\s@<>]{1,200}\.[^\s@<>]{1,60}$/;

/** What users.info says of a customer: the display name, and the profile's email when readable. */
export interface SlackProfile {
  name?: string;
  /**
   * Lower-cased. Slack sets it from the member's account (scope `users:read.email`), so the
   * channel vouches for it: `from.otherIdentities`, linked to the contact by the core.
   */
  email?: string;
}

/**
 * A customer's profile from users.info, asked only when cheap: cached per user for an hour, and
 * given up after `timeoutMs` (Slack waits for our answer while we ask). No profile is fine: the
 * pipeline works without a name or an email, and the next message asks again.
 */
export class SlackNames {
  private readonly cache = new Map<string, { profile: SlackProfile; at: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async profileOf(user: string): Promise<SlackProfile> {
    const cached = this.cache.get(user);
    if (cached !== undefined && this.now() - cached.at < CACHE_MS) return cached.profile;
    if (this.timeoutMs === 0) return {};
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      const profile = await Promise.race([this.lookup(user), timeout]);
      if (profile === undefined) return cached?.profile ?? {};
      this.remember(user, profile);
      return profile;
    } catch {
      // A stale profile beats none while Slack is slow or failing.
      return cached?.profile ?? {};
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookup(user: string): Promise<SlackProfile> {
    const info = await this.client.users.info({ user });
    const profile = info.user?.profile;
    const name =
      profile?.display_name || profile?.real_name || info.user?.real_name || info.user?.name;
    const email = profile?.email?.trim().toLowerCase();
    return {
      ...(name ? { name: name.slice(0, 200) } : {}),
      ...(email && EMAIL.test(email) && email.length <= 320 ? { email } : {}),
    };
  }

  private remember(user: string, profile: SlackProfile): void {
    this.cache.delete(user);
    if (this.cache.size >= CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(user, { profile, at: this.now() });
  }
}
