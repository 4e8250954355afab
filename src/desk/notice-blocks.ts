import type { KnownBlock } from '@slack/types';
import {
  ACTIONS,
  button,
  clip,
  escapeMrkdwn,
  slaText,
  slackDate,
  urgencyText,
  type CardView,
} from './blocks.ts';

/** The ticket in three lines: who, what it is about, how urgent (supervisor alerts, offers). */
function summary(view: CardView): string {
  const last = view.lastMessages.at(-1);
  return [
    `*#${view.number} · ${escapeMrkdwn(view.customerName)}* (${escapeMrkdwn(view.channel)})`,
    `Urgency ${urgencyText(view)} · ${escapeMrkdwn(view.reason ?? view.intent ?? 'no reason given')}`,
    last ? `> ${escapeMrkdwn(clip(last, 300)).replace(/\n/g, '\n> ')}` : '_no message text_',
  ].join('\n');
}

/** A post in the supervisors channel: why they are called in, and the ticket summary. */
export function supervisorAlert(
  view: CardView,
  reason: string,
): { text: string; blocks: KnownBlock[] } {
  const sla = slaText(view.sla, view.now);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `:rotating_light: *${escapeMrkdwn(clip(reason, 300))}*` },
    },
    { type: 'section', text: { type: 'mrkdwn', text: summary(view) } },
  ];
  if (sla) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: sla } });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Status: ${escapeMrkdwn(view.status)}${view.assigneeName ? ` · with ${escapeMrkdwn(view.assigneeName)}` : ''}`,
      },
    ],
  });
  return {
    text: `Supervisors: ticket #${view.number} from ${escapeMrkdwn(view.customerName)} — ${escapeMrkdwn(clip(reason, 200))}`,
    blocks,
  };
}

/** The DM offering an agent a ticket: a compact card with the same Take button as the channel's. */
export function offerMessage(
  view: CardView,
  expiresAt: Date,
): { text: string; blocks: KnownBlock[] } {
  return {
    text: `Ticket #${view.number} from ${escapeMrkdwn(view.customerName)} is offered to you`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `:inbox_tray: *A ticket for you*\n${summary(view)}` },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `Offer open until ${slackDate(expiresAt, '{time}')}` }],
      },
      { type: 'actions', elements: [button(ACTIONS.take, 'Take', view.ticketId, true)] },
    ],
  };
}

/** The offer DM once the offer is withdrawn (it lapsed, or someone else took the ticket). */
export function lapsedOfferMessage(view: CardView): { text: string; blocks: KnownBlock[] } {
  const text = `The offer of ticket #${view.number} (${escapeMrkdwn(view.customerName)}) lapsed.`;
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:hourglass: ~${text}~` } }],
  };
}
