import { fetch, type Dispatcher } from 'undici';
import { neverConnected } from '../../src/domain/connection-errors.ts';
import { SwitchboardError, isSwitchboardError } from '../../src/domain/errors.ts';
import { assertPublicLiteral } from './callback-guard.ts';
import type { OutboundMessage, SendResult } from '../../src/domain/message.ts';
import type { IntegrationDirectory } from '../../src/domain/integrations.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signPayload } from './signature.ts';

/** The JSON an integration's callback URL receives for every bot, agent or system message. */
export interface CallbackPayload {
  type: 'message.created';
  id: string;
  conversationId: string;
  to: { id: string };
  author: { kind: string; name?: string };
  text: string;
  markdown?: string;
  /** Files an agent sent: each a signed link the integration may fetch until it expires. */
  files?: CallbackFile[];
  createdAt: string;
}

export interface CallbackFile {
  name: string;
  contentType: string;
  size: number;
  url: string;
}

// Statuses worth retrying: the receiver is overloaded, timed out or asks us to slow down.
const RETRYABLE_STATUSES = new Set([408, 409, 425, 429]);

/**
 * Posts the message to the integration's callback URL, signed (HMAC-SHA256) with its webhook
 * secret. Network errors, timeouts, 5xx and 408/409/425/429 are retryable; other 4xx are final.
 */
export async function sendToCallback(
  directory: IntegrationDirectory,
  message: OutboundMessage,
  options: {
    timeoutMs: number;
    /** Set unless API_CALLBACK_ALLOW_PRIVATE: connects only to public addresses (SSRF guard). */
    publicOnly?: Dispatcher | undefined;
  },
): Promise<SendResult> {
  const field = (name: string): string => {
    const value = message.channelData[name];
    return typeof value === 'string' ? value : '';
  };
  const integrationId = field('integrationId');
  const integration = await directory.findById(integrationId);
  if (!integration) {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `integration ${integrationId} no longer exists`,
    );
  }
  if (integration.disabled) {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `integration ${integration.name} is disabled: nothing is sent to it`,
    );
  }
  if (!integration.callbackUrl) {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `integration ${integration.name} has no callback URL`,
    );
  }
  const payload: CallbackPayload = {
    type: 'message.created',
    id: message.messageId,
    conversationId: field('conversationId'),
    to: { id: field('userId') },
    author:
      message.author.name === undefined
        ? { kind: message.author.kind }
        : { kind: message.author.kind, name: message.author.name },
    text: message.text,
    ...(message.markdown === undefined ? {} : { markdown: message.markdown }),
    ...(message.attachments?.length
      ? {
          files: message.attachments.map(({ name, contentType, size, url }) => ({
            name,
            contentType,
            size,
            url,
          })),
        }
      : {}),
    createdAt: new Date().toISOString(),
  };
  const body = JSON.stringify(payload);
  if (options.publicOnly) assertPublicLiteral(new URL(integration.callbackUrl));
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(integration.callbackUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signPayload(
          integration.webhookSecret,
          body,
          Math.floor(Date.now() / 1000),
        ),
        // Receivers de-duplicate on this: a retry after a lost response carries the same id.
        [DELIVERY_HEADER]: message.messageId,
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
      ...(options.publicOnly ? { dispatcher: options.publicOnly } : {}),
    });
  } catch (error) {
    // The guard's refusal arrives wrapped in fetch's TypeError: it is final, not a network blip.
    const cause = (error as { cause?: unknown }).cause;
    if (isSwitchboardError(cause)) throw cause;
    // A timeout or a reset may come after the receiver took the message: the retry is then a
    // possible duplicate (it carries the same X-Switchboard-Delivery id) and is counted as such.
    const code = (cause as { code?: unknown } | undefined)?.code;
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_FAILED',
      `callback unreachable: ${(error as Error).message}`,
      { cause: error, deliveryUncertain: !neverConnected(code) },
    );
  }
  await response.body?.cancel();
  if (response.ok) return { providerMessageId: message.messageId };
  const code =
    response.status >= 500 || RETRYABLE_STATUSES.has(response.status)
      ? 'SB_ERR_DELIVERY_FAILED'
      : 'SB_ERR_DELIVERY_REJECTED';
  throw new SwitchboardError(code, `callback answered HTTP ${response.status}`);
}
