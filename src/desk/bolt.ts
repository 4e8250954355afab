import { App, ExpressReceiver, SocketModeReceiver, type Logger as SlackLogger } from '@slack/bolt';
import type { Router } from 'express';
import { answerBoltFailure } from './bolt-errors.ts';
import type { DeskConfig } from './config.ts';

/** The one Bolt app of the Slack integration: the desk and the customer channel listen on it. */
export interface SlackBolt {
  app: App;
  /** How Slack reaches us: the HTTP endpoint, or a WebSocket we open (Socket Mode). */
  mode: 'http' | 'socket';
  /** The HTTP endpoint to mount (HTTP mode), or undefined in Socket Mode. */
  router: Router | undefined;
  /** Socket Mode: opens the WebSocket (apps.connections.open); HTTP mode: nothing to do. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Bolt with an ExpressReceiver (HTTP, mounted in the gateway) or, when SLACK_SOCKET_MODE is on, a
 * SocketModeReceiver (https://docs.slack.dev/tools/bolt-js/concepts/socket-mode). Listeners are
 * registered by the callers; no Slack call is made here.
 */
export function createSlackBolt(config: DeskConfig, logger: SlackLogger): SlackBolt {
  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    logger,
  };
  const common = {
    token: config.SLACK_BOT_TOKEN,
    logger,
    clientOptions,
    // Learn our own bot id lazily (auth.test on the first request), so start-up needs no Slack.
    tokenVerificationEnabled: false,
  };
  if (config.SLACK_SOCKET_MODE && config.SLACK_APP_TOKEN) {
    const receiver = new SocketModeReceiver({
      appToken: config.SLACK_APP_TOKEN,
      logger,
      // The socket client's own Web API client (apps.connections.open) goes where ours goes.
      installerOptions: { clientOptions },
    });
    const app = new App({ ...common, receiver });
    let started = false;
    return {
      app,
      mode: 'socket',
      router: undefined,
      async start() {
        await receiver.start();
        started = true;
      },
      async stop() {
        if (started) await receiver.stop();
        started = false;
      },
    };
  }
  const receiver = new ExpressReceiver({
    signingSecret: config.SLACK_SIGNING_SECRET ?? '',
    endpoints: config.SLACK_EVENTS_PATH,
    // Answer only once the listeners are done (the job is in Redis): nothing is acknowledged
    // first and saved later.
    processBeforeResponse: true,
    // 503 while a store is away, 400 for an envelope Bolt cannot read (see bolt-errors.ts).
    processEventErrorHandler: answerBoltFailure,
    logger,
  });
  return {
    app: new App({ ...common, receiver }),
    mode: 'http',
    router: receiver.router as Router,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}
