import type { webApi } from '@slack/bolt';

const CACHE_SIZE = 1000;

/**
 * A customer's display name from users.info, asked only when cheap: cached per user, and given up
 * after `timeoutMs` (Slack waits for our answer while we ask). No name is fine: the pipeline works
 * without one.
 */
export class SlackNames {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly timeoutMs: number,
  ) {}

  async nameOf(user: string): Promise<string | undefined> {
    const cached = this.cache.get(user);
    if (cached !== undefined || this.timeoutMs === 0) return cached;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      const name = await Promise.race([this.lookup(user), timeout]);
      if (name !== undefined) this.remember(user, name);
      return name;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookup(user: string): Promise<string | undefined> {
    const info = await this.client.users.info({ user });
    const profile = info.user?.profile;
    const name =
      profile?.display_name || profile?.real_name || info.user?.real_name || info.user?.name;
    return name ? name.slice(0, 200) : undefined;
  }

  private remember(user: string, name: string): void {
    if (this.cache.size >= CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(user, name);
  }
}
