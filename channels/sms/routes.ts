import express, { Router, type Request } from 'express';
import type { InboundSink } from '../../src/domain/ports.ts';
import type { InboundMessageInput } from '../../src/domain/message.ts';
import { complianceKeyword, type ComplianceKeyword } from './compliance.ts';
import type { SmsConfig } from './config.ts';
import { normalizeTwilioMessage, TwilioStatusSchema } from './normalize.ts';
import { hasFileLinks } from '../files/keep-files.ts';
import type { SmsStore } from './ports.ts';
import { INBOUND_PATH, STATUS_CALLBACK_PATH } from './send.ts';
import { verifyTwilioRequest } from './verify.ts';

/** An empty TwiML answer: "received, nothing to say now" (replies go out through the REST API). */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

export interface SmsRouterDeps {
  config: SmsConfig;
  sink: InboundSink;
  store: SmsStore;
  /** Where a message with media waits for its downloads (channels/sms/media.ts). */
  media?: { enqueue(message: InboundMessageInput): Promise<void> } | undefined;
  now?: () => Date;
}

/** The parsed form of a request whose signature checked out. */
function signedForm(req: Request, config: SmsConfig): Record<string, unknown> {
  const form = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
    string,
    unknown
  >;
  verifyTwilioRequest({
    authToken: config.TWILIO_AUTH_TOKEN,
    publicBaseUrl: config.SMS_PUBLIC_URL,
    originalUrl: req.originalUrl,
    signature: req.headers['x-twilio-signature'],
    params: form,
  });
  return form;
}

/**
 * A compliance keyword is stored like any message (audit) but marked handled, so the bot never
 * answers it; the channel itself records the opt-out/opt-in and queues the configured reply.
 */
async function handleKeyword(
  deps: SmsRouterDeps,
  message: InboundMessageInput,
  keyword: ComplianceKeyword,
): Promise<void> {
  const { config, store } = deps;
  const number = message.from.identity.value;
  const at =
    message.receivedAt instanceof Date ? message.receivedAt : new Date(String(message.receivedAt));
  const sid = message.channelMessageId;
  const { ticketId } = await store.recordKeywordMessage(message, `sms.${keyword.kind}`);
  if (keyword.kind === 'help') {
    await store.queueReply({ ticketId, key: `sms.help.${sid}`, text: config.SMS_HELP_TEXT });
    return;
  }
  const optedOut = keyword.kind === 'opt-out';
  await store.recordOptChange({ number, optedOut, keyword: keyword.keyword, at, messageSid: sid });
  const reply = optedOut ? config.SMS_STOP_TEXT : config.SMS_START_TEXT;
  if (reply !== undefined) {
    await store.queueReply({
      ticketId,
      key: `sms.${optedOut ? 'stop' : 'start'}.${sid}`,
      text: reply,
    });
  }
}

/**
 * `POST /channels/sms/twilio` (incoming messages) and `POST /channels/sms/twilio/status` (delivery
 * status callbacks). Both check X-Twilio-Signature before anything is stored, and answer only once
 * the message is durable (queued or stored), so Twilio's retry of a failed request loses nothing.
 */
export function smsChannelRouter(deps: SmsRouterDeps): Router {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const router = Router();
  // Twilio posts application/x-www-form-urlencoded; flat keys only (no qs nesting).
  const form = express.urlencoded({
    extended: false,
    limit: config.SMS_MAX_BODY_BYTES,
    parameterLimit: 200,
  });

  router.post(INBOUND_PATH, form, async (req, res) => {
    const fields = signedForm(req, config);
    const message = normalizeTwilioMessage(fields, {
      defaultCountry: config.SMS_DEFAULT_COUNTRY,
      receivedAt: now(),
    });
    const keyword = complianceKeyword(message.text);
    // START/YES/UNSTOP only mean "opt in" from an opted-out number; otherwise "yes" is an answer.
    const isOptIn = keyword?.kind === 'opt-in';
    const optedOut = isOptIn
      ? (await deps.store.optOutOf(message.from.identity.value))?.optedOut === true
      : false;
    if (keyword !== undefined && (!isOptIn || optedOut))
      await handleKeyword(deps, message, keyword);
    // Media are downloaded by a job that retries, not while Twilio waits for this answer.
    else if (deps.media !== undefined && hasFileLinks(message)) await deps.media.enqueue(message);
    else await deps.sink.accept(message);
    res.status(200).type('text/xml').send(EMPTY_TWIML);
  });

  router.post(STATUS_CALLBACK_PATH, form, async (req, res) => {
    const fields = signedForm(req, config);
    const status = TwilioStatusSchema.parse(fields);
    await deps.store.applyStatus({
      providerMessageId: status.MessageSid,
      status: status.MessageStatus,
      errorCode: status.ErrorCode,
      at: now(),
    });
    res.status(204).end();
  });
  return router;
}
