import {
  ActivityHandler,
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import type { Logger } from 'pino';

/** botframework-connector's authentication (not re-exported by botbuilder under this name). */
type BotFrameworkAuthentication = NonNullable<ConstructorParameters<typeof CloudAdapter>[0]>;
import type { InboundSink } from '../../src/domain/ports.ts';
import type { WebchatConfig } from './config.ts';
import { isLocal, normalizeActivity } from './normalize.ts';

/** Marks a turn started by `sendTo` (an answer from the pipeline, not a reply to an activity). */
const PROACTIVE = Symbol('switchboard.proactive');

/** Where activities to conversations on the gateway's own Direct Line go (the transcript store). */
export interface LocalDelivery {
  deliver(activity: Partial<Activity>): Promise<ResourceResponse>;
}

/** Bot Framework authentication for the configured app, or anonymous when none is configured. */
export function botAuthentication(config: WebchatConfig): BotFrameworkAuthentication {
  return new ConfigurationBotFrameworkAuthentication({
    ...(config.WEBCHAT_MICROSOFT_APP_ID === undefined
      ? {}
      : {
          MicrosoftAppId: config.WEBCHAT_MICROSOFT_APP_ID,
          MicrosoftAppPassword: config.WEBCHAT_MICROSOFT_APP_PASSWORD,
          MicrosoftAppType: config.WEBCHAT_MICROSOFT_APP_TYPE,
          MicrosoftAppTenantId: config.WEBCHAT_MICROSOFT_APP_TENANT_ID,
        }),
  } as ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[0]);
}

/**
 * botbuilder's CloudAdapter with one addition: conversations on the gateway's own Direct Line
 * (recognized by their service URL) are written to the transcript store instead of being posted to
 * a Bot Connector service. Everything else — Azure Bot Service on /api/messages, proactive sends
 * to Teams — is CloudAdapter's own behaviour.
 */
export class GatewayCloudAdapter extends CloudAdapter {
  constructor(
    auth: BotFrameworkAuthentication,
    private readonly appId: string,
    private readonly local: LocalDelivery,
  ) {
    super(auth);
  }

  override async sendActivities(
    context: TurnContext,
    activities: Partial<Activity>[],
  ): Promise<ResourceResponse[]> {
    if (context.turnState.get(PROACTIVE) === true) {
      // A proactive turn's activities "reply" to its made-up continuation activity id: send them
      // to the conversation instead (the Bot Connector's sendToConversation; no dangling reply).
      activities = activities.map(({ replyToId: _replyToId, ...rest }) => rest);
    }
    if (!isLocal(context.activity)) return super.sendActivities(context, activities);
    const responses: ResourceResponse[] = [];
    for (const activity of activities) responses.push(await this.local.deliver(activity));
    return responses;
  }

  /**
   * Runs the bot on an activity the gateway's Direct Line endpoint received. The visitor was
   * authenticated there (its token), so the turn gets the bot's own identity, as a proactive turn
   * does. Errors reach the caller unchanged (processActivityDirect would wrap them).
   */
  async processLocal(
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    const claimsIdentity = this.createClaimsIdentity(this.appId);
    await this.processActivity(
      {
        audience: 'https://api.botframework.com',
        callerId: '',
        claimsIdentity,
        connectorFactory: this.botFrameworkAuthentication.createConnectorFactory(claimsIdentity),
      },
      activity,
      logic,
    );
  }

  /** Sends into an existing conversation (a reply from the pipeline), like any proactive message. */
  async sendTo(
    reference: Partial<ConversationReference>,
    activity: Partial<Activity>,
  ): Promise<string> {
    let id = '';
    await this.continueConversationAsync(this.appId, reference, async (context) => {
      context.turnState.set(PROACTIVE, true);
      id = (await context.sendActivity(activity))?.id ?? '';
    });
    return id;
  }
}

/**
 * The bot: a visitor's message becomes an InboundMessage handed to the pipeline, and the turn
 * ends only once the sink holds it (so the HTTP answer to the channel means "durable"). A typing
 * indicator then tells the visitor the answer is being worked on; the answer itself comes later,
 * from the outbound worker, through the channel adapter's send.
 */
export class SwitchboardBot extends ActivityHandler {
  constructor(deps: { sink: InboundSink; now?: () => Date; logger?: Logger | undefined }) {
    super();
    const now = deps.now ?? (() => new Date());
    this.onMessage(async (context, next) => {
      const activity = context.activity;
      const reference = TurnContext.getConversationReference(activity);
      const { duplicate } = await deps.sink.accept(normalizeActivity(activity, reference, now()));
      if (!duplicate) {
        // Best effort: a lost typing indicator must not turn an accepted message into an error.
        await context.sendActivity({ type: ActivityTypes.Typing }).catch((error: unknown) => {
          deps.logger?.warn({ err: error }, 'web chat typing indicator not sent');
        });
      }
      await next();
    });
  }
}
