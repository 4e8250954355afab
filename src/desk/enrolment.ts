import type { webApi } from '@slack/bolt';
import { SwitchboardError } from '../domain/errors.ts';

/** What a Slack member who is not an agent is told, ephemerally, whatever they tried. */
export const NOT_ENROLLED_TEXT =
  'You are not enrolled as a Switchboard agent, so you cannot take, answer or note tickets. ' +
  'Ask an admin or supervisor to enrol you: in the console (Accounts → link your Slack user) ' +
  'or with `switchboard agent enrol <your Slack member id>`.';

/** A desk action by a Slack member who is not an enrolled agent. */
export class NotEnrolledError extends SwitchboardError {
  constructor(readonly slackUserId: string) {
    super('SB_ERR_FORBIDDEN', `slack:${slackUserId} is not an enrolled agent`);
  }
}

export function isNotEnrolled(error: unknown): error is NotEnrolledError {
  return error instanceof NotEnrolledError;
}

/**
 * Membership of the allowed Slack user groups (SLACK_AGENT_USERGROUPS), read with
 * usergroups.users.list and kept for `ttlMs` per process: a member added in Slack is an agent
 * within a minute, one removed is refused within a minute.
 */
export class SlackAgentGroups {
  private members: { at: number; ids: Promise<ReadonlySet<string>> } | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly groups: readonly string[],
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async has(userId: string): Promise<boolean> {
    if (this.groups.length === 0) return false;
    if (this.members === undefined || this.now() - this.members.at >= this.ttlMs) {
      const ids = this.read();
      this.members = { at: this.now(), ids };
      // A failed read is not kept: the next action asks Slack again.
      ids.catch(() => (this.members = undefined));
    }
    return (await this.members.ids).has(userId);
  }

  private async read(): Promise<ReadonlySet<string>> {
    const ids = new Set<string>();
    for (const usergroup of this.groups) {
      const answer = await this.client.usergroups.users.list({ usergroup });
      for (const id of answer.users ?? []) ids.add(id);
    }
    return ids;
  }
}
