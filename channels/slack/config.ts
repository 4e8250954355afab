import { z } from 'zod';
import { parseEnvironment } from '../../src/domain/environment.ts';

/**
 * The Slack customer channel's variables. It runs on the desk's Slack app (SLACK_BOT_TOKEN,
 * SLACK_SIGNING_SECRET: src/desk/config.ts), so it is on whenever the desk is, unless turned off.
 */
export const SlackChannelConfigSchema = z.object({
  /** `false`: DMs and mentions of the app are not taken as customer messages. */
  SLACK_CUSTOMER_CHANNEL: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /**
   * The longest Slack Retry-After (429) a delivery waits for in the outbound worker before trying
   * again; a longer one fails the attempt, and the outbound queue retries with its backoff.
   */
  SLACK_RETRY_AFTER_MAX_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /**
   * Largest file a customer shares that is kept, in bytes; a larger one is recorded as not stored
   * (`too-large`).
   */
  SLACK_FILE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** Time allowed for users.info (the customer's name) while Slack waits; 0: never asked. */
  SLACK_NAME_LOOKUP_MS: z.coerce.number().int().min(0).max(2000).default(800),
});

export type SlackChannelConfig = z.infer<typeof SlackChannelConfigSchema>;

/** The channel's configuration; SB_ERR_CONFIG names a bad variable. */
export function loadSlackChannelConfig(env: NodeJS.ProcessEnv = process.env): SlackChannelConfig {
  return parseEnvironment(SlackChannelConfigSchema, env);
}
