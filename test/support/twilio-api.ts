/**
 * Twilio's Message resource and Messages list as its REST API shows them, for the local stand-ins
 * of Twilio (test/channels/sms/fake-twilio.ts, the fault drill's receivers): one emulation, so the
 * tests and the drill check the gateway against the same reading of Twilio's API.
 * https://www.twilio.com/docs/messaging/api/message-resource
 */
import { randomBytes } from 'node:crypto';

/** A message Twilio holds. */
export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  dateCreated: Date;
  /** Null while queued. */
  dateSent: Date | null;
}

/** A new message from a create's form fields (To, From, MessagingServiceSid, Body). */
export function newTwilioMessage(
  form: Record<string, string | undefined>,
  options: { queued?: boolean } = {},
): TwilioMessage {
  const now = new Date();
  return {
    sid: `SM${randomBytes(16).toString('hex')}`,
    to: form['To'] ?? '',
    from: form['From'] ?? null,
    messagingServiceSid: form['MessagingServiceSid'] ?? null,
    body: form['Body'] ?? '',
    dateCreated: now,
    dateSent: options.queued ? null : now,
  };
}

/** Twilio's date format: RFC 2822 with a numeric zone. */
function rfc2822(date: Date | null): string | null {
  return date === null ? null : date.toUTCString().replace('GMT', '+0000');
}

/** Midnight (UTC) of the date a `DateSent` filter names: Twilio filters by date, not by time. */
function dayOf(value: string): number {
  return Date.parse(`${value.slice(0, 10)}T00:00:00Z`);
}

/** The answer to a message create (201): the resource, still queued. */
export function createdResource(message: TwilioMessage): Record<string, unknown> {
  return {
    sid: message.sid,
    status: 'queued',
    to: message.to,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid,
    body: message.body,
    num_segments: '1',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    date_created: rfc2822(message.dateCreated),
    date_sent: null,
  };
}

/**
 * One page of the Messages list (GET .../Messages.json) as Twilio answers it: filtered by `To`,
 * `From` and `DateSent`/`DateSent<`/`DateSent>` (by date), newest first by date sent (still-queued
 * messages first of all), one page of `PageSize` (default 50) with the paging fields. Only the
 * first page is served; the gateway never reads past it.
 */
export function messagesPage(
  messages: readonly TwilioMessage[],
  url: URL,
): Record<string, unknown> {
  const q = url.searchParams;
  const to = q.get('To');
  const from = q.get('From');
  const on = q.get('DateSent');
  const before = q.get('DateSent<');
  const after = q.get('DateSent>');
  const pageSize = Math.min(Number(q.get('PageSize') ?? 50) || 50, 1000);
  const day = 86_400_000;
  const matching = messages
    .filter((m) => (to === null || m.to === to) && (from === null || m.from === from))
    .filter((m) => {
      if (on === null && before === null && after === null) return true;
      if (m.dateSent === null) return false;
      const sent = m.dateSent.getTime();
      if (on !== null && (sent < dayOf(on) || sent >= dayOf(on) + day)) return false;
      if (before !== null && sent >= dayOf(before) + day) return false;
      if (after !== null && sent < dayOf(after)) return false;
      return true;
    })
    .sort(
      (a, b) =>
        (b.dateSent?.getTime() ?? Infinity) - (a.dateSent?.getTime() ?? Infinity) ||
        b.dateCreated.getTime() - a.dateCreated.getTime(),
    );
  const shown = matching.slice(0, pageSize);
  const path = url.pathname;
  const pageUri = (page: number) => {
    const params = new URLSearchParams(q);
    params.set('PageSize', String(pageSize));
    params.set('Page', String(page));
    return `${path}?${params.toString()}`;
  };
  return {
    messages: shown.map((m) => ({
      account_sid: path.split('/')[3],
      api_version: '2010-04-01',
      sid: m.sid,
      to: m.to,
      from: m.from,
      messaging_service_sid: m.messagingServiceSid,
      body: m.body,
      direction: 'outbound-api',
      status: m.dateSent === null ? 'queued' : 'sent',
      num_segments: '1',
      date_created: rfc2822(m.dateCreated),
      date_updated: rfc2822(m.dateSent ?? m.dateCreated),
      date_sent: rfc2822(m.dateSent),
      uri: `${path.replace(/\.json$/, '')}/${m.sid}.json`,
    })),
    uri: pageUri(0),
    first_page_uri: pageUri(0),
    next_page_uri: matching.length > pageSize ? pageUri(1) : null,
    previous_page_uri: null,
    page: 0,
    page_size: pageSize,
    start: 0,
    end: Math.max(0, shown.length - 1),
  };
}
