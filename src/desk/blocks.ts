import type { KnownBlock } from '@slack/types';

/** Action ids of the card's buttons; the button's value is the ticket id. */
export const ACTIONS = {
  take: 'desk_take',
  resolve: 'desk_resolve',
  release: 'desk_release',
  escalate: 'desk_escalate',
} as const;

/** The service-level due times of a ticket (set by dispatch), shown when present. */
export interface SlaView {
  state: string | undefined;
  firstResponseDueAt: Date | undefined;
  nextResponseDueAt: Date | undefined;
  resolutionDueAt: Date | undefined;
}

/** What a card shows, read from the ticket, its contact and its messages. */
export interface CardView {
  ticketId: string;
  number: number;
  status: string;
  customerName: string;
  channel: string;
  /** Where replies go when the customer last wrote on another channel than the ticket's. */
  replyChannel?: string | undefined;
  reason: string | undefined;
  intent: string | undefined;
  /** What the ticket needs (routing's intent skills); picks its team's channel for the card. */
  requiredSkills?: readonly string[];
  language: string | undefined;
  urgency: number;
  /** What the urgency score is made of; the largest parts are shown as its main reasons. */
  urgencyParts: Array<{ reason: string; points: number }>;
  sla: SlaView;
  supervisorEscalatedAt: Date | undefined;
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

/** How many urgency parts a card names. */
const MAIN_REASONS = 3;

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A time Slack renders in each reader's own time zone; the text after | is the fallback
 * (https://docs.slack.dev/messaging/formatting-message-text#date-formatting).
 */
export function slackDate(at: Date, format = '{date_short_pretty} {time}'): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${at.toISOString()}>`;
}

function waiting(from: Date | undefined, now: Date): string {
  if (!from) return 'unknown';
  const minutes = Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
  return `${minutes} min (since ${slackDate(from, '{time}')})`;
}

/** The score with its largest parts, e.g. `7 — angry customer +4, refund +2`. */
export function urgencyText(view: Pick<CardView, 'urgency' | 'urgencyParts'>): string {
  const main = [...view.urgencyParts]
    .filter((part) => part.points > 0)
    .sort((a, b) => b.points - a.points)
    .slice(0, MAIN_REASONS)
    .map((part) => `${escapeMrkdwn(part.reason)} +${part.points}`);
  return main.length ? `${view.urgency} — ${main.join(', ')}` : String(view.urgency);
}

/** One line per due time the ticket has; undefined when dispatch set none. */
export function slaText(sla: SlaView, now: Date): string | undefined {
  const due = (label: string, at: Date | undefined) =>
    at ? `${label} ${slaDue(at, now)}` : undefined;
  const lines = [
    due('First response due', sla.firstResponseDueAt),
    due('Next response due', sla.nextResponseDueAt),
    due('Resolution due', sla.resolutionDueAt),
  ].filter((line): line is string => line !== undefined);
  if (!lines.length) return undefined;
  const state = sla.state ? ` (${escapeMrkdwn(sla.state)})` : '';
  return `*SLA*${state}\n${lines.join('\n')}`;
}

function slaDue(at: Date, now: Date): string {
  return at.getTime() < now.getTime() ? `${slackDate(at)} :warning: overdue` : slackDate(at);
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
  // The top-level text is mrkdwn too (notifications, screen readers): a name like `<!channel>` or
  // `<https://evil|Bank>` would ping everyone or disguise a link.
  return `Ticket #${view.number} from ${escapeMrkdwn(view.customerName)} (${view.channel}): ${view.status}`;
}

/** The Block Kit card of one escalated ticket; its buttons follow the ticket's status. */
/** The ticket's channel, and where replies go when the conversation continued elsewhere. */
function channelText(view: CardView): string {
  const own = escapeMrkdwn(view.channel);
  if (!view.replyChannel || view.replyChannel === view.channel) return own;
  return `${own}, continued by ${escapeMrkdwn(view.replyChannel)} (replies go there)`;
}

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
        { type: 'mrkdwn', text: `*Channel*\n${channelText(view)}` },
        { type: 'mrkdwn', text: `*Urgency*\n${urgencyText(view)}` },
        { type: 'mrkdwn', text: `*Reason*\n${escapeMrkdwn(view.reason ?? '—')}` },
        { type: 'mrkdwn', text: `*Intent guess*\n${escapeMrkdwn(view.intent ?? '—')}` },
        { type: 'mrkdwn', text: `*Language*\n${escapeMrkdwn(view.language ?? '—')}` },
        { type: 'mrkdwn', text: `*Waiting*\n${waiting(view.queuedAt, view.now)}` },
      ],
    },
  ];
  const sla = slaText(view.sla, view.now);
  if (sla) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: sla } });
  blocks.push(
    { type: 'section', text: { type: 'mrkdwn', text: clip(quoted.join('\n'), 2900) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: statusLines(view) }] },
  );
  const buttons = cardButtons(view);
  if (buttons.length) blocks.push({ type: 'actions', elements: buttons });
  return blocks;
}

function statusLines(view: CardView): string {
  const escalated = view.supervisorEscalatedAt
    ? ` · :rotating_light: Supervisors called in ${slackDate(view.supervisorEscalatedAt)}`
    : '';
  return `${statusLine(view)}${escalated}`;
}

/** A card button; its value is always the ticket id. */
export function button(actionId: string, text: string, ticketId: string, primary = false) {
  return {
    type: 'button' as const,
    action_id: actionId,
    text: { type: 'plain_text' as const, text },
    value: ticketId,
    ...(primary ? { style: 'primary' as const } : {}),
  };
}

/** Take while waiting, Release while taken, Resolve and Escalate while open. */
function cardButtons(view: CardView) {
  const open = view.status === 'queued' || view.status === 'assigned';
  if (!open) return [];
  return [
    view.status === 'queued'
      ? button(ACTIONS.take, 'Take', view.ticketId, true)
      : button(ACTIONS.release, 'Release', view.ticketId),
    button(ACTIONS.resolve, 'Resolve', view.ticketId),
    ...(view.supervisorEscalatedAt
      ? []
      : [button(ACTIONS.escalate, 'Escalate to supervisor', view.ticketId)]),
  ];
}
