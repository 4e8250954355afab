/** What routing and the desk read of a team (kept by src/accounts/teams.ts, planned by dispatch). */
export interface TeamView {
  key: string;
  skills: readonly string[];
  slackChannel?: string | undefined;
}
