import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { InboundMessageInput } from '../../src/domain/message.ts';
import type { InboundSink } from '../../src/domain/ports.ts';
import { hasFileLinks } from '../files/keep-files.ts';
import type { SlackNames } from './names.ts';
import { normalizeSlackEvent, type SlackPlace } from './normalize.ts';

export interface CustomerListenerDeps {
  sink: InboundSink;
  names: SlackNames;
  /** The desk's own conversations (agents channel, card threads, agents' DMs) are not customers'. */
  isDeskConversation(place: SlackPlace): Promise<boolean>;
  /** Where a message with files waits for their download (channels/slack/files.ts). */
  filesFirst?: { enqueue(message: InboundMessageInput): Promise<void> } | undefined;
  logger?: Logger | undefined;
  now?: () => Date;
}

/**
 * Customers on the shared Bolt app: direct messages to the app (`message.im`) and mentions in
 * channels it is in (`app_mention`) go to the inbound sink (with files: to the files-first queue). The app is in processBeforeResponse
 * mode, so Slack gets its 200 only once `sink.accept` resolved (the job is in Redis); a failure
 * answers 500 and Slack retries. A retry (X-Slack-Retry-Num) has the same event_id, hence the
 * same job id: no second effect.
 */
export function registerCustomerListeners(app: App, deps: CustomerListenerDeps): void {
  const take = async ({ body, context }: { body: unknown; context: { botUserId?: string } }) => {
    const outcome = normalizeSlackEvent(body, {
      receivedAt: deps.now?.() ?? new Date(),
      botUserId: context.botUserId,
    });
    if (outcome.kind === 'ignored') {
      deps.logger?.debug({ reason: outcome.reason }, 'slack event ignored');
      return;
    }
    if (await deps.isDeskConversation(outcome.place)) return;
    const { name, email } = await deps.names.profileOf(outcome.place.user);
    const message = outcome.message;
    const named = {
      ...message,
      from: {
        ...message.from,
        ...(name === undefined ? {} : { name }),
        // The member's account email: vouched for by Slack, so linked to the contact by the core.
        ...(email === undefined
          ? {}
          : { otherIdentities: [{ kind: 'email' as const, value: email }] }),
      },
    };
    // Files are downloaded by a job that retries, not while Slack waits for our 200.
    if (deps.filesFirst !== undefined && hasFileLinks(named)) await deps.filesFirst.enqueue(named);
    else await deps.sink.accept(named);
  };
  app.event('app_mention', take);
  app.event('message', take);
}
