/**
 * `switchboard agent enrol|set|unenrol <slack member id>`: who is an agent, from the command line (the
 * console's account link is the other way in; SLACK_AGENT_USERGROUPS the third). Audited.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { enrolSlackAgent, unenrolSlackAgent } from '../accounts/enrolment.ts';
import { withCliPool } from '../cli-pool.ts';
import { AgentSettingsSchema, updateAgentSettings } from '../accounts/agent-settings.ts';

const SLACK_MEMBER_ID = /^[UW][A-Z0-9]{2,}$/;

function memberId(raw: string): string {
  const id = raw.trim().toUpperCase();
  if (!SLACK_MEMBER_ID.test(id)) {
    throw new Error(`not a Slack member id (such as U0123ABCD): ${raw}`);
  }
  return id;
}

/** `a, b,c` → ['a', 'b', 'c']; undefined stays undefined (the option was not given). */
export function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
}

/** Adds the `agent` command group to the program. */
export function registerAgentCommands(program: Command): void {
  const by = `cli:${process.env['USER'] ?? 'unknown'}`;
  const agent = program.command('agent').description('who may take and answer tickets in Slack');
  agent
    .command('enrol')
    .description('make a Slack member an agent (offered tickets, may take, answer and note)')
    .argument(
      '<slack-member-id>',
      "the member's id, e.g. U0123ABCD (Slack: profile → ⋮ → Copy member ID)",
    )
    .option('--name <name>', 'display name (default: the member id)')
    .addOption(
      new Option('--role <role>', 'agents get the queue, supervisors also critical tickets')
        .choices(['agent', 'supervisor'])
        .default('agent'),
    )
    .action(async (raw: string, options: { name?: string; role: 'agent' | 'supervisor' }) => {
      const slackUserId = memberId(raw);
      const enrolled = await withCliPool((pool) =>
        enrolSlackAgent(pool.models, {
          slackUserId,
          displayName: options.name ?? slackUserId,
          role: options.role,
          by,
        }),
      );
      process.stdout.write(
        `enrolled ${enrolled.role} ${enrolled.displayName} (slack:${slackUserId})\n`,
      );
    });
  agent
    .command('set')
    .description(
      "set an agent's languages, skills, capacity, role or status (routing prefers the languages and skills)",
    )
    .argument('<slack-member-id>', "the member's id")
    .option('--languages <codes>', 'comma-separated two-letter codes, e.g. en,zh')
    .option('--skills <skills>', 'comma-separated skills, e.g. billing,returns')
    .option('--teams <keys>', 'comma-separated team keys (see `switchboard team list`)')
    .option('--capacity <n>', 'tickets held at once')
    .addOption(new Option('--role <role>').choices(['agent', 'supervisor']))
    .addOption(new Option('--status <status>').choices(['available', 'away', 'offline']))
    .action(
      async (
        raw: string,
        options: {
          languages?: string;
          skills?: string;
          teams?: string;
          capacity?: string;
          role?: string;
          status?: string;
        },
      ) => {
        const slackUserId = memberId(raw);
        const change = AgentSettingsSchema.parse({
          languages: list(options.languages),
          skills: list(options.skills),
          teams: list(options.teams),
          capacity: options.capacity === undefined ? undefined : Number(options.capacity),
          role: options.role,
          status: options.status,
        });
        const updated = await withCliPool((pool) =>
          updateAgentSettings(pool.models, { identity: `slack:${slackUserId}` }, change, by),
        );
        process.stdout.write(
          `${updated.displayName} (slack:${slackUserId}): ${updated.role}, ${updated.status}, capacity ${updated.capacity}, languages ${(updated.languages ?? []).join(',') || 'default'}, skills ${(updated.skills ?? []).join(',') || 'none'}, teams ${(updated.teams ?? []).join(',') || 'none'}\n`,
        );
      },
    );
  agent
    .command('unenrol')
    .description('end a Slack member’s enrolment: no more offers, and the desk refuses them')
    .argument('<slack-member-id>', "the member's id")
    .action(async (raw: string) => {
      const slackUserId = memberId(raw);
      const found = await withCliPool((pool) =>
        unenrolSlackAgent(pool.models, { slackUserId, by }),
      );
      process.stdout.write(
        found ? `unenrolled slack:${slackUserId}\n` : `no agent slack:${slackUserId}\n`,
      );
    });
}
