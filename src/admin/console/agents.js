// The Agents view (issue 16 item 1): who routing may offer tickets to, and what it prefers for
// each — languages (none set: the workspace's), skills, capacity, role, status. Saved through
// PATCH /agents/:id (supervisors and admins), audited on the server.

/** Renders the view into `main`; `ui` carries the console's helpers. */
export async function viewAgents(ui) {
  const { h, api, attempt, route, main } = ui;
  const { agents } = await api('GET', '/agents');
  const list = (value) =>
    value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const row = (a) => {
    const languages = h('input.languages', {
      type: 'text',
      value: a.languages.join(', '),
      size: 8,
      placeholder: 'default',
    });
    const skills = h('input.skills', { type: 'text', value: a.skills.join(', '), size: 14 });
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
            languages: list(languages.value),
            skills: list(skills.value),
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
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Agent', 'Enrolled', 'Languages', 'Skills', 'Capacity', 'Role', 'Status', ''].map(
              (t) => h('th', {}, t),
            ),
          ),
        ),
        h('tbody', {}, ...agents.map(row)),
      ),
    ),
  );
}
