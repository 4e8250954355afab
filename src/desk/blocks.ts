import type { KnownBlock } from '@slack/types';

/** Action ids of the card's buttons; the button's value is the ticket id. */
export const ACTIONS = { take: 'desk_take', resolve: 'desk_resolve' } as const;

/** What a card shows, read from the ticket, its contact and its messages. */
export interface CardView {
  ticketId: string;
  number: number;
  status: string;
  customerName: string;
  channel: string;
  reason: string | undefined;
  intent: string | undefined;
  language: string | undefined;
  urgency: number;
  /** The last few customer messages, oldest first. */
  lastMessages: string[];
  queuedAt: Date | undefined;
  assigneeName: string | undefined;
  now: Date;
}

/** Slack mrkdwn needs only these three escaped (https://api.slack.com/reference/surfaces/formatting). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function waiting(from: Date | undefined, now: Date): string {
  if (!from) return 'unknown';
  const minutes = Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
  const since = Math.floor(from.getTime() / 1000);
  // Slack renders <!date^…> in each reader's own time zone; the text after | is the fallback.
  return `${minutes} min (since <!date^${since}^{time}|${from.toISOString()}>)`;
}

function statusLine(view: CardView): string {
  switch (view.status) {
    case 'queued':
      return ':hourglass_flowing_sand: *Waiting for an agent*';
    case 'assigned':
      return `:raising_hand: *Taken by ${escapeMrkdwn(view.assigneeName ?? 'an agent')}*`;
    case 'resolved':
      return ':white_check_mark: *Resolved*';
    case 'closed':
      return ':lock: *Closed*';
    default:
      return `*${escapeMrkdwn(view.status)}*`;
  }
}

/** The card's plain-text summary (notifications, screen readers). */
export function cardText(view: CardView): string {
  return `Ticket #${view.number} from ${view.customerName} (${view.channel}): ${view.status}`;
}

/** The Block Kit card of one escalated ticket; its buttons follow the ticket's status. */
export function cardBlocks(view: CardView): KnownBlock[] {
  const quoted = view.lastMessages.length
    ? view.lastMessages.map((m) => `> ${escapeMrkdwn(clip(m, 300)).replace(/\n/g, '\n> ')}`)
    : ['_no message text_'];
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`#${view.number} · ${view.customerName}`, 150) },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Channel*\n${escapeMrkdwn(view.channel)}` },
        { type: 'mrkdwn', text: `*Urgency*\n${view.urgency}` },
        { type: 'mrkdwn', text: `*Reason*\n${escapeMrkdwn(view.reason ?? '—')}` },
        { type: 'mrkdwn', text: `*Intent guess*\n${escapeMrkdwn(view.intent ?? '—')}` },
        { type: 'mrkdwn', text: `*Language*\n${escapeMrkdwn(view.language ?? '—')}` },
        { type: 'mrkdwn', text: `*Waiting*\n${waiting(view.queuedAt, view.now)}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: clip(quoted.join('\n'), 2900) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: statusLine(view) }] },
  ];
  const buttons = [];
  if (view.status === 'queued') {
    buttons.push({
      type: 'button' as const,
      action_id: ACTIONS.take,
      text: { type: 'plain_text' as const, text: 'Take' },
      style: 'primary' as const,
      value: view.ticketId,
    });
  }
  if (view.status === 'queued' || view.status === 'assigned') {
    buttons.push({
      type: 'button' as const,
      action_id: ACTIONS.resolve,
      text: { type: 'plain_text' as const, text: 'Resolve' },
      value: view.ticketId,
    });
  }
  if (buttons.length) blocks.push({ type: 'actions', elements: buttons });
  return blocks;
}
