/**
 * The drill's customers, one driver per channel. Each writes at its own steady rate and behaves
 * like the real sender on that channel: a 5xx or a refused connection is retried until the channel
 * acknowledges (Twilio, Slack and Direct Line clients retry; an API integration should), a 4xx is
 * final. Every text carries a marker `[c:<channel>-<n>]`, so reconciliation finds each message in
 * the store by what it says, whatever key the channel derived from it.
 */
import nodemailer from 'nodemailer';
import twilio from 'twilio';

export const MARKER = /\[c:([a-z]+-\d+)\]/;

const QUESTIONS = [
  'Where is my order?',
  'How do I return a jacket?',
  'I was charged twice for one order',
  'Can I change my delivery address?',
  'My payment failed, what now?',
  'How do I reset my password?',
  'Do you ship to Canada?',
  'I want to speak to a person',
  'The parcel arrived damaged',
  '我的订单在哪里？',
];

export interface Acknowledgements {
  /** Markers of messages the channel acknowledged (2xx, LMTP 250). */
  acknowledged: Set<string>;
  /** Markers given up on: a 4xx, or no acknowledgement before the drill's deadline. */
  refused: Map<string, string>;
  /** 5xx answers and refused connections, each retried. */
  retried: number;
}

export function newAcknowledgements(): Acknowledgements {
  return { acknowledged: new Set(), refused: new Map(), retried: 0 };
}

export interface Customer {
  channel: string;
  /** Sends message number n; resolves once acknowledged or finally refused. */
  send(n: number): Promise<void>;
}

function question(n: number, marker: string): string {
  return `${QUESTIONS[n % QUESTIONS.length]} [c:${marker}]`;
}

/** Retries until the answer is final: 2xx (acknowledged) or 4xx (refused). */
async function untilFinal(
  acks: Acknowledgements,
  marker: string,
  attempt: () => Promise<number>,
  deadline: number,
): Promise<void> {
  let wait = 250;
  for (;;) {
    let status: number | undefined;
    let detail = '';
    try {
      status = await attempt();
    } catch (error) {
      detail = error instanceof Error ? error.message : String(error);
    }
    if (status !== undefined && status >= 200 && status < 300) {
      acks.acknowledged.add(marker);
      return;
    }
    if (status !== undefined && status >= 400 && status < 500) {
      acks.refused.set(marker, `HTTP ${status}`);
      return;
    }
    if (Date.now() > deadline) {
      acks.refused.set(marker, `no acknowledgement before the deadline (${status ?? detail})`);
      return;
    }
    acks.retried += 1;
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 5000);
  }
}

export function apiCustomer(options: {
  baseUrl: string;
  apiKey: string;
  acks: Acknowledgements;
  deadline: number;
}): Customer {
  return {
    channel: 'api',
    send: (n) => {
      const marker = `api-${n}`;
      return untilFinal(
        options.acks,
        marker,
        async () => {
          const res = await fetch(`${options.baseUrl}/api/v1/messages`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${options.apiKey}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({
              messageId: `chaos-${n}`,
              conversationId: `chaos-conv-${n}`,
              from: { id: `api-customer-${n}` },
              text: question(n, marker),
            }),
            signal: AbortSignal.timeout(15_000),
          });
          await res.body?.cancel();
          return res.status;
        },
        options.deadline,
      );
    },
  };
}

/** Twilio's inbound webhook, signed exactly as Twilio signs it (X-Twilio-Signature). */
export function smsCustomer(options: {
  baseUrl: string;
  publicUrl: string;
  accountSid: string;
  authToken: string;
  to: string;
  acks: Acknowledgements;
  deadline: number;
}): Customer {
  return {
    channel: 'sms',
    send: (n) => {
      const marker = `sms-${n}`;
      const params: Record<string, string> = {
        MessageSid: `SM${n.toString(16).padStart(32, '0')}`,
        AccountSid: options.accountSid,
        From: `+1415${String(5_000_000 + n).padStart(7, '0')}`,
        To: options.to,
        Body: question(n, marker),
        NumMedia: '0',
        NumSegments: '1',
      };
      const path = '/channels/sms/twilio';
      const signature = twilio.getExpectedTwilioSignature(
        options.authToken,
        `${options.publicUrl}${path}`,
        params,
      );
      return untilFinal(
        options.acks,
        marker,
        async () => {
          const res = await fetch(`${options.baseUrl}${path}`, {
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
        },
        options.deadline,
      );
    },
  };
}

/** Mail delivered into the support mailbox over LMTP, as the customers' mail servers would. */
export function emailCustomer(options: {
  host: string;
  lmtpPort: number;
  supportAddress: string;
  acks: Acknowledgements;
  deadline: number;
}): Customer & { close(): void } {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.lmtpPort,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
    pool: false,
  });
  return {
    channel: 'email',
    close: () => transport.close(),
    send: (n) => {
      const marker = `email-${n}`;
      const from = `customer${n}@customers.example`;
      return untilFinal(
        options.acks,
        marker,
        async () => {
          try {
            await transport.sendMail({
              from,
              to: options.supportAddress,
              subject: `Question ${n}`,
              text: question(n, marker),
              messageId: `<chaos-${n}@customers.example>`,
            });
            return 200; // LMTP 250: the mail is in the mailbox
          } catch (error) {
            // A permanent 5xx is final, like a 4xx over HTTP; a 4xx or a dropped connection is retried.
            const code = (error as { responseCode?: number }).responseCode;
            if (code !== undefined && code >= 500) return 400;
            throw error;
          }
        },
        options.deadline,
      );
    },
  };
}

/**
 * A web chat visitor on the self-hosted Direct Line: starts a conversation, then posts as Web Chat
 * does, with a `clientActivityID` that stays the same across retries (the channel's key).
 */
export function webchatCustomer(options: {
  baseUrl: string;
  acks: Acknowledgements;
  deadline: number;
}): Customer {
  const directLine = `${options.baseUrl}/v3/directline`;
  return {
    channel: 'webchat',
    send: async (n) => {
      const marker = `webchat-${n}`;
      let conversation: { conversationId: string; token: string; userId: string } | undefined;
      await untilFinal(
        options.acks,
        `${marker}:start`,
        async () => {
          const res = await fetch(`${directLine}/tokens/generate`, {
            method: 'POST',
            signal: AbortSignal.timeout(15_000),
          });
          if (res.status === 201) {
            conversation = (await res.json()) as typeof conversation;
            return 200;
          }
          await res.body?.cancel();
          return res.status;
        },
        options.deadline,
      );
      // The start is bookkeeping, not a customer message: only the message counts below.
      options.acks.acknowledged.delete(`${marker}:start`);
      if (!conversation) return;
      const started = conversation;
      await untilFinal(
        options.acks,
        marker,
        async () => {
          const res = await fetch(
            `${directLine}/conversations/${started.conversationId}/activities`,
            {
              method: 'POST',
              headers: {
                authorization: `Bearer ${started.token}`,
                'content-type': 'application/json',
              },
              body: JSON.stringify({
                type: 'message',
                text: question(n, marker),
                from: { id: started.userId, role: 'user' },
                channelData: { clientActivityID: `chaos-${n}` },
              }),
              signal: AbortSignal.timeout(15_000),
            },
          );
          await res.body?.cancel();
          return res.status;
        },
        options.deadline,
      );
    },
  };
}
