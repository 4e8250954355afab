import { z } from 'zod';
import { isSet, parseEnvironment } from '../domain/environment.ts';

/**
 * The Slack desk's variables. The desk is on when SLACK_BOT_TOKEN is set; the rest is then checked
 * (a half-configured desk stops the process with SB_ERR_CONFIG naming the variable).
 */
export const DeskConfigSchema = z
  .object({
    /** Bot token (`xoxb-…`) the desk posts and updates cards with. Unset: the desk is off. */
    SLACK_BOT_TOKEN: z.string().regex(/^xox[bp]-/, 'a bot token starting with xoxb-'),
    /**
     * Signing secret of the Slack app: every request's X-Slack-Signature is checked with it.
     * Required unless SLACK_SOCKET_MODE (no HTTP requests arrive then).
     */
    SLACK_SIGNING_SECRET: z.string().min(16).optional(),
    /** Channel id (`C…` or `G…`) escalation cards are posted to; the bot must be a member. */
    SLACK_AGENTS_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a channel id such as C0123ABCD'),
    /** Tests only: the Web API base URL (default https://slack.com/api/). */
    SLACK_API_URL: z
      .string()
      .url()
      .transform((value) => (value.endsWith('/') ? value : `${value}/`))
      .optional(),
    /**
     * Slack user groups (ids such as S0123ABCD, comma-separated) whose members are agents without
     * being enrolled one by one; members who leave a group are refused at their next action.
     * Unset: only agents enrolled by an admin or supervisor (console account link, CLI).
     */
    SLACK_AGENT_USERGROUPS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id.length > 0),
      )
      .pipe(z.array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'user group ids such as S0123ABCD'))),
    /** Agent thread replies starting with this stay internal notes and are never sent. */
    DESK_NOTE_PREFIX: z.string().min(1).max(10).default('//'),
    /**
     * Whose thread reply reaches the customer. `take-if-free`: the assignee's, and a reply on a
     * waiting ticket takes it for its author; `assignee-only`: only the assignee's. Any other
     * reply is kept as a note and its author told why.
     */
    DESK_THREAD_REPLY: z.enum(['take-if-free', 'assignee-only']).default('take-if-free'),
    /** Path Slack posts events, interactions and slash commands to. */
    SLACK_EVENTS_PATH: z.string().startsWith('/').default('/slack/events'),
    /**
     * Channel id where "Escalate to supervisor", SLA alerts and critical tickets are posted.
     * Unset: the button only marks the ticket, and alerts are logged.
     */
    SLACK_SUPERVISORS_CHANNEL: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'a channel id such as C0123ABCD')
      .optional(),
    /** Receive through Socket Mode (a WebSocket opened from here) instead of the HTTP endpoint. */
    SLACK_SOCKET_MODE: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((value) => value === 'true' || value === '1'),
    /** App-level token (`xapp-…`, scope connections:write); required with SLACK_SOCKET_MODE. */
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, 'an app-level token starting with xapp-')
      .optional(),
    /** Desk jobs one worker process runs at once. */
    DESK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** Attempts of a desk job (a Slack outage, a 429) before it is kept as failed. */
    DESK_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  })
  .refine((c) => c.SLACK_SOCKET_MODE || c.SLACK_SIGNING_SECRET !== undefined, {
    message: 'required (every request from Slack is verified with it)',
    path: ['SLACK_SIGNING_SECRET'],
  })
  .refine((c) => !c.SLACK_SOCKET_MODE || c.SLACK_APP_TOKEN !== undefined, {
    message: 'SLACK_SOCKET_MODE needs an app-level token (xapp-…)',
    path: ['SLACK_APP_TOKEN'],
  });

export type DeskConfig = z.infer<typeof DeskConfigSchema>;

/** The desk configuration, or undefined when SLACK_BOT_TOKEN is unset (the desk is off). */
export function loadDeskConfig(env: NodeJS.ProcessEnv = process.env): DeskConfig | undefined {
  return isSet(env, 'SLACK_BOT_TOKEN') ? parseEnvironment(DeskConfigSchema, env) : undefined;
}
