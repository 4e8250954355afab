import type { ChannelFactory } from '../module.ts';
import { createSlackChannel } from './adapter.ts';
import { isSet } from '../../src/domain/environment.ts';
import { loadSlackChannelConfig, SlackChannelConfigSchema } from './config.ts';

/**
 * Slack as a customer channel, on the agent desk's Slack app (one app, one events URL): on when
 * the desk is (SLACK_BOT_TOKEN) and SLACK_CUSTOMER_CHANNEL is not false.
 */
export const channel: ChannelFactory = {
  configSchema: SlackChannelConfigSchema,
  // It rides on the desk's app: read only when the desk is on (SLACK_BOT_TOKEN).
  checkConfig: (env) => {
    if (isSet(env, 'SLACK_BOT_TOKEN')) loadSlackChannelConfig(env);
  },
  create(ctx) {
    const host = ctx.slackApp;
    if (!host) return Promise.resolve(undefined);
    const slack = createSlackChannel({
      sink: ctx.sink,
      token: host.token,
      apiUrl: host.apiUrl,
      isDeskConversation: (place) => host.isDeskConversation(place),
      env: ctx.env,
      logger: ctx.logger,
    });
    if (!slack) return Promise.resolve(undefined);
    slack.listen(host.app);
    return Promise.resolve({ id: 'slack', adapter: slack.adapter });
  },
};
