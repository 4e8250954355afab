/**
 * Teams in routing (issue 16 item 1), pure: a ticket belongs to the team whose skills cover what
 * it needs, and a member of a team has the team's skills besides their own. The team's Slack
 * channel, when it has one, is where the ticket's card is posted.
 */

import type { TeamView } from '../domain/team.ts';

export type { TeamView };

/**
 * The team a ticket needing `requiredSkills` belongs to: the one with every required skill, the
 * smallest such team first (the most specific), then by key; undefined when the ticket needs no
 * skill or no team has them all (the whole workspace's queue).
 */
export function teamFor(
  requiredSkills: readonly string[],
  teams: readonly TeamView[],
): TeamView | undefined {
  if (requiredSkills.length === 0) return undefined;
  return teams
    .filter((team) => requiredSkills.every((skill) => team.skills.includes(skill)))
    .sort((a, b) => a.skills.length - b.skills.length || (a.key < b.key ? -1 : 1))[0];
}

/** An agent's own skills and those of every team they are in, once each. */
export function skillsWithTeams(
  own: readonly string[],
  memberOf: readonly string[],
  teams: readonly TeamView[],
): string[] {
  const skills = new Set(own);
  for (const team of teams) {
    if (memberOf.includes(team.key)) for (const skill of team.skills) skills.add(skill);
  }
  return [...skills];
}
