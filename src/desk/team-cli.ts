/**
 * `switchboard team list|set|remove`: teams from the command line (the console's Agents view and
 * the admin API are the other ways). Members are set per agent: `switchboard agent set --teams`.
 */
import type { Command } from 'commander';
import { withCliPool } from '../cli-pool.ts';
import { listTeams, removeTeam, saveTeam, teamKey, TeamSettingsSchema } from '../accounts/teams.ts';
import { list } from './cli.ts';

function describe(team: {
  _id: string;
  name: string;
  skills?: string[];
  slackChannel?: string | null;
}) {
  return `${team._id} (${team.name}): skills ${(team.skills ?? []).join(',') || 'none'}, cards in ${team.slackChannel ?? 'the agents channel'}`;
}

/** Adds the `team` command group to the program. */
export function registerTeamCommands(program: Command): void {
  const by = `cli:${process.env['USER'] ?? 'unknown'}`;
  const team = program
    .command('team')
    .description("teams: skills their members share, and a Slack channel for their tickets' cards");
  team
    .command('list')
    .description('every team, with its skills and channel')
    .action(async () => {
      const teams = await withCliPool((pool) => listTeams(pool.models));
      process.stdout.write(
        teams.length ? teams.map((t) => `${describe(t)}\n`).join('') : 'no teams\n',
      );
    });
  team
    .command('set')
    .description('create a team or change it (omitted options stay as they are)')
    .argument('<key>', 'lower-case letters, digits and dashes, e.g. billing')
    .option('--name <name>', 'display name')
    .option(
      '--skills <skills>',
      "comma-separated skills the team's members have, e.g. billing,refunds",
    )
    .option(
      '--channel <id>',
      "Slack channel id for the team's cards; `none` for the agents channel",
    )
    .action(async (raw: string, options: { name?: string; skills?: string; channel?: string }) => {
      const key = teamKey(raw);
      const change = TeamSettingsSchema.parse({
        name: options.name,
        skills: list(options.skills),
        slackChannel: options.channel === 'none' ? null : options.channel,
      });
      const saved = await withCliPool((pool) => saveTeam(pool.models, key, change, by));
      process.stdout.write(`${describe(saved)}\n`);
    });
  team
    .command('remove')
    .description('remove a team (its members leave it; their own skills stay)')
    .argument('<key>', 'the team key')
    .action(async (raw: string) => {
      const key = teamKey(raw);
      const found = await withCliPool((pool) => removeTeam(pool.models, key, by));
      process.stdout.write(found ? `removed team ${key}\n` : `no team ${key}\n`);
    });
}
