// @ts-check
// The Agents view (issue 16 item 1): who routing may offer tickets to, and what it prefers for
// each — languages (none set: the workspace's), skills, teams, capacity, role, status. Saved
// through PATCH /agents/:id (supervisors and admins), audited on the server. Below, the teams:
// their skills (members have them) and the Slack channel of their cards (PUT/DELETE /teams/:key).

import { api, attempt } from '../api.js';
import { h, main } from '../dom.js';
import { splitList } from '../format.js';
import { route } from '../router.js';
import { table } from '../table.js';

/** @typedef {import('../api-types.js').Agent} Agent */
/** @typedef {import('../api-types.js').Team} Team */

/** Renders the view into `main`. */
export async function viewAgents() {
  /** @type {[{ agents: Agent[] }, { teams: Team[] }]} */
  const [{ agents }, { teams }] = await Promise.all([api('GET', '/agents'), api('GET', '/teams')]);
  /** @param {Agent} a */
  const row = (a) => {
    const languages = h('input.languages', {
      type: 'text',
      value: a.languages.join(', '),
      size: 8,
      placeholder: 'default',
    });
    const skills = h('input.skills', { type: 'text', value: a.skills.join(', '), size: 14 });
    const memberOf = h('input.teams', {
      type: 'text',
      value: a.teams.join(', '),
      size: 10,
      placeholder: teams.length ? teams.map((t) => t.key).join(', ') : 'no teams yet',
    });
    const capacity = h('input.capacity', { type: 'number', min: 0, max: 100, value: a.capacity });
    const role = h(
      'select.role',
      {},
      ...['agent', 'supervisor'].map((r) => h('option', { value: r, selected: r === a.role }, r)),
    );
    const status = h(
      'select.status',
      {},
      ...['available', 'away', 'offline'].map((s) =>
        h('option', { value: s, selected: s === a.status }, s),
      ),
    );
    const save = () =>
      void attempt(
        () =>
          api('PATCH', `/agents/${a.id}`, {
            languages: splitList(languages.value),
            skills: splitList(skills.value),
            teams: splitList(memberOf.value),
            capacity: Number(capacity.value),
            role: role.value,
            status: status.value,
          }),
        `${a.displayName} saved`,
      ).then((ok) => ok && route());
    return h(
      'tr.agent',
      { dataset: { identity: a.identity } },
      h('td', {}, a.displayName, h('div.muted', {}, a.identity)),
      h('td', {}, a.enrolled ?? 'not enrolled'),
      h('td', {}, languages),
      h('td', {}, skills),
      h('td', {}, memberOf),
      h('td', {}, capacity, h('div.muted', {}, `${a.activeTickets} held`)),
      h('td', {}, role),
      h('td', {}, status),
      h('td', {}, h('button.save', { type: 'button', on: { click: save } }, 'Save')),
    );
  };
  main.replaceChildren(
    h(
      'div.card',
      {},
      h('h2', {}, 'Agents'),
      h(
        'p.muted',
        {},
        'Routing offers a ticket to a free agent at once, preferring the ticket’s language and skills. An agent with no languages set speaks the workspace’s languages.',
      ),
      agents.length === 0
        ? h(
            'p.muted#agents-empty',
            {},
            'No agents yet: link an account to its Slack user (Accounts), run `switchboard agent enrol`, or list Slack user groups in SLACK_AGENT_USERGROUPS.',
          )
        : null,
      table(
        ['Agent', 'Enrolled', 'Languages', 'Skills', 'Teams', 'Capacity', 'Role', 'Status', ''],
        agents.map(row),
      ),
    ),
    teamsCard(teams),
  );
}

/** The teams: edit each in place, add one, remove one. */
/** @param {Team[]} teams */
function teamsCard(teams) {
  /** @param {Team} [t] the team, or none for the row that adds one */
  const editor = (t) => {
    const key = h('input.key', {
      type: 'text',
      value: t?.key ?? '',
      size: 10,
      disabled: Boolean(t),
    });
    const name = h('input.name', { type: 'text', value: t?.name ?? '', size: 14 });
    const skills = h('input.skills', {
      type: 'text',
      value: (t?.skills ?? []).join(', '),
      size: 16,
    });
    const channel = h('input.channel', {
      type: 'text',
      value: t?.slackChannel ?? '',
      size: 12,
      placeholder: 'agents channel',
    });
    const save = () =>
      void attempt(
        () =>
          api('PUT', `/teams/${encodeURIComponent(key.value.trim())}`, {
            ...(name.value.trim() ? { name: name.value.trim() } : {}),
            skills: splitList(skills.value),
            slackChannel: channel.value.trim() || null,
          }),
        `team ${key.value.trim()} saved`,
      ).then((ok) => ok && route());
    /** @param {Team} team */
    const remove = (team) =>
      void attempt(
        () => api('DELETE', `/teams/${encodeURIComponent(team.key)}`),
        `team ${team.key} removed`,
      ).then((ok) => ok && route());
    return h(
      t ? 'tr.team' : 'tr.team-new',
      { dataset: { key: t?.key ?? '' } },
      h('td', {}, key),
      h('td', {}, name),
      h('td', {}, skills),
      h('td', {}, channel),
      h(
        'td',
        {},
        h('button.save', { type: 'button', on: { click: save } }, t ? 'Save' : 'Add team'),
        t ? h('button.remove', { type: 'button', on: { click: () => remove(t) } }, 'Remove') : null,
      ),
    );
  };
  return h(
    'div.card#teams',
    {},
    h('h2', {}, 'Teams'),
    h(
      'p.muted',
      {},
      'A ticket that needs a team’s skills belongs to it: its members have those skills and are offered its tickets first, and its card goes to the team’s Slack channel (a channel id such as C0123ABCD; empty: the agents channel).',
    ),
    table(
      ['Key', 'Name', 'Skills', 'Slack channel', ''],
      [...teams.map(editor), editor(undefined)],
    ),
  );
}
