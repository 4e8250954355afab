/**
 * One customer's conversation on one channel, as the real sender behaves there: the API
 * integration posts JSON, Twilio posts a signed form, a mail server delivers over LMTP into the
 * support mailbox (replies threaded by In-Reply-To), Web Chat talks Direct Line. Each `say` is
 * retried on a 5xx or a refused connection until the channel acknowledges it, as those senders do;
 * `answers` is what the customer has been sent so far.
 */
import nodemailer from 'nodemailer';
import twilio from 'twilio';
import type { DayInbox } from './inbox.ts';

export type DayChannel = 'api' | 'sms' | 'email' | 'webchat';

export interface Conversation {
  channel: DayChannel;
  say(text: string): Promise<void>;
  answers(): Promise<string[]>;
}

export interface ChannelEndpoints {
  baseUrl: string;
  apiKey: string;
  inbox: DayInbox;
  twilio: { accountSid: string; authToken: string; number: string };
  lmtp: { host: string; port: number; supportAddress: string };
  /** Acknowledged customer messages, and those refused for good (a 4xx) — the latter are findings. */
  counts: { acknowledged: number; refused: number };
}

async function untilAcknowledged(
  counts: ChannelEndpoints['counts'],
  attempt: () => Promise<number>,
): Promise<void> {
  let wait = 250;
  for (let tries = 0; tries < 30; tries += 1) {
    let status: number | undefined;
    try {
      status = await attempt();
    } catch {
      status = undefined;
    }
    if (status !== undefined && status >= 200 && status < 300) {
      counts.acknowledged += 1;
      return;
    }
    if (status !== undefined && status >= 400 && status < 500) break;
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 4000);
  }
  counts.refused += 1;
}

let sequence = 0;
const next = () => (sequence += 1);

export function apiConversation(
  ends: ChannelEndpoints,
  customer: { id: string; name: string; email: string; tier?: string },
  visit: number,
): Conversation {
  return {
    channel: 'api',
    say: (text) =>
      untilAcknowledged(ends.counts, async () => {
        const res = await fetch(`${ends.baseUrl}/api/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ends.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            messageId: `day-${next()}`,
            conversationId: `${customer.id}-visit-${visit}`,
            from: {
              id: customer.id,
              name: customer.name,
              email: customer.email,
              ...(customer.tier ? { attributes: { tier: customer.tier } } : {}),
            },
            text,
          }),
          signal: AbortSignal.timeout(15_000),
        });
        await res.body?.cancel();
        return res.status;
      }),
    answers: () => Promise.resolve(ends.inbox.of(customer.id).map((r) => r.text)),
  };
}

export function smsConversation(ends: ChannelEndpoints, phone: string): Conversation {
  const path = '/channels/sms/twilio';
  return {
    channel: 'sms',
    say: (text) =>
      untilAcknowledged(ends.counts, async () => {
        const params = {
          MessageSid: `SM${String(next()).padStart(32, '0')}`,
          AccountSid: ends.twilio.accountSid,
          From: phone,
          To: ends.twilio.number,
          Body: text,
          NumMedia: '0',
          NumSegments: '1',
        };
        const signature = twilio.getExpectedTwilioSignature(
          ends.twilio.authToken,
          `${ends.baseUrl}${path}`,
          params,
        );
        const res = await fetch(`${ends.baseUrl}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': signature,
          },
          body: new URLSearchParams(params).toString(),
          signal: AbortSignal.timeout(15_000),
        });
        await res.body?.cancel();
        return res.status;
      }),
    answers: () => Promise.resolve(ends.inbox.of(phone).map((r) => r.text)),
  };
}

export function emailConversation(
  ends: ChannelEndpoints,
  customer: { address: string; name: string },
  subject: string,
): Conversation & { close(): void } {
  const transport = nodemailer.createTransport({
    host: ends.lmtp.host,
    port: ends.lmtp.port,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
  });
  const address = customer.address.toLowerCase();
  let first = true;
  return {
    channel: 'email',
    close: () => transport.close(),
    say: (text) =>
      untilAcknowledged(ends.counts, async () => {
        // A reply goes in the thread, as a mail client sends it: Re: the last answer.
        const last = first ? undefined : ends.inbox.of(address).at(-1);
        try {
          await transport.sendMail({
            from: { name: customer.name, address: customer.address },
            to: ends.lmtp.supportAddress,
            subject: last?.subject ? `Re: ${last.subject.replace(/^Re:\s*/i, '')}` : subject,
            text,
            messageId: `<day-${next()}@customers.example>`,
            ...(last?.messageId ? { inReplyTo: last.messageId, references: [last.messageId] } : {}),
          });
          first = false;
          return 200;
        } catch (error) {
          const code = (error as { responseCode?: number }).responseCode;
          if (code !== undefined && code >= 500) return 400;
          throw error;
        }
      }),
    answers: () => Promise.resolve(ends.inbox.of(address).map((r) => r.text)),
  };
}

/** A Web Chat visitor over Direct Line; the answers are read as Web Chat polls them. */
export async function webchatConversation(ends: ChannelEndpoints): Promise<Conversation> {
  const directLine = `${ends.baseUrl}/v3/directline`;
  const started = await fetch(`${directLine}/tokens/generate`, { method: 'POST' });
  if (started.status !== 201) throw new Error(`Direct Line start answered ${started.status}`);
  const conversation = (await started.json()) as {
    conversationId: string;
    token: string;
    userId: string;
  };
  const headers = {
    authorization: `Bearer ${conversation.token}`,
    'content-type': 'application/json',
  };
  const received: string[] = [];
  // Web Chat shows an activity once, by id, however often a poll returns it.
  const seenIds = new Set<string>();
  let watermark: string | undefined;
  return {
    channel: 'webchat',
    say: (text) =>
      untilAcknowledged(ends.counts, async () => {
        const res = await fetch(
          `${directLine}/conversations/${conversation.conversationId}/activities`,
          {
            method: 'POST',
            headers,
            body: JSON.stringify({
              type: 'message',
              text,
              from: { id: conversation.userId, role: 'user' },
              channelData: { clientActivityID: `day-${next()}` },
            }),
            signal: AbortSignal.timeout(15_000),
          },
        );
        await res.body?.cancel();
        return res.status;
      }),
    answers: async () => {
      const url = new URL(`${directLine}/conversations/${conversation.conversationId}/activities`);
      if (watermark) url.searchParams.set('watermark', watermark);
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
      if (res.ok) {
        const page = (await res.json()) as {
          activities: Array<{ id?: string; type: string; text?: string; from?: { id?: string } }>;
          watermark?: string;
        };
        watermark = page.watermark ?? watermark;
        for (const a of page.activities) {
          if (a.id !== undefined) {
            if (seenIds.has(a.id)) continue;
            seenIds.add(a.id);
          }
          if (a.type === 'message' && a.from?.id !== conversation.userId && a.text)
            received.push(a.text);
        }
      } else await res.body?.cancel();
      return [...received];
    },
  };
}
