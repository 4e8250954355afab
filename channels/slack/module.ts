import type { ChannelFactory } from '../module.ts';
import { createSlackChannel } from './adapter.ts';
import { isSet } from '../../src/domain/environment.ts';
import { FilesFirstQueue } from '../files/files-queue.ts';
import { filesQueuePersonalData } from '../files/personal-data.ts';
import { loadSlackChannelConfig, SlackChannelConfigSchema } from './config.ts';
import { keepSlackFiles, SLACK_FILES_QUEUE } from './files.ts';

/**
 * Slack as a customer channel, on the agent desk's Slack app (one app, one events URL): on when
 * the desk is (SLACK_BOT_TOKEN) and SLACK_CUSTOMER_CHANNEL is not false.
 */
export const channel: ChannelFactory = {
  configSchema: SlackChannelConfigSchema,
  personalData: (context) => [filesQueuePersonalData(SLACK_FILES_QUEUE, context)],
  // It rides on the desk's app: read only when the desk is on (SLACK_BOT_TOKEN).
  checkConfig: (env) => {
    if (isSet(env, 'SLACK_BOT_TOKEN')) loadSlackChannelConfig(env);
  },
  create(ctx) {
    const host = ctx.slackApp;
    if (!host || !loadSlackChannelConfig(ctx.env).SLACK_CUSTOMER_CHANNEL)
      return Promise.resolve(undefined);
    const filesFirst = new FilesFirstQueue(ctx.redis, ctx.config.QUEUE_PREFIX, SLACK_FILES_QUEUE);
    const slack = createSlackChannel({
      sink: ctx.sink,
      token: host.token,
      apiUrl: host.apiUrl,
      isDeskConversation: (place) => host.isDeskConversation(place),
      env: ctx.env,
      outboundFiles: ctx.outboundFiles,
      filesFirst,
      logger: ctx.logger,
    });
    if (!slack) return Promise.resolve(undefined);
    slack.listen(host.app);
    const filesDeps = {
      token: host.token,
      apiUrl: host.apiUrl,
      files: ctx.files,
      maxBytes: slack.config.SLACK_FILE_MAX_BYTES,
    };
    return Promise.resolve({
      id: 'slack',
      adapter: slack.adapter,
      // Shared files are downloaded in the worker role, then the message goes on (files.ts).
      workerRole: filesFirst.workerRole({
        sink: ctx.sink,
        prepare: (message, lastTry) => keepSlackFiles(message, filesDeps, lastTry),
        logger: ctx.logger,
      }),
      stop: () => filesFirst.close(),
    });
  },
};
