/**
 * Only enrolled agents see and touch customers' tickets. A Slack member who was never enrolled —
 * a customer writing to support over Slack is exactly such a member — gets no offer and cannot
 * take, answer or note: each try is refused where only they see it, and audited.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACTIONS } from '../../src/desk/blocks.ts';
import { NOT_ENROLLED_TEXT } from '../../src/desk/enrolment.ts';
import { deskJobId } from '../../src/desk/jobs.ts';
import { AGENTS, DeskHarness, type SlackUser } from '../desk/harness.ts';
import { slashCommand, threadMessageEvent } from '../desk/slack-requests.ts';
import { waitFor } from '../support/gateway.ts';

const STRANGER: SlackUser = { id: 'U0STRANGE', name: 'stranger' };
const NEWBIE: SlackUser = { id: 'U0NEWBIE1', name: 'newbie' };
const run = promisify(execFile);

let h: DeskHarness;

beforeAll(async () => {
  h = await DeskHarness.start();
});

afterAll(async () => {
  await h.stop();
});

function ephemeralsTo(user: SlackUser): string[] {
  return h.slack
    .callsOf('chat.postEphemeral')
    .filter((c) => c.args['user'] === user.id)
    .map((c) => String(c.args['text']));
}

async function refusalsOf(user: SlackUser): Promise<string[]> {
  const events = await h.gateway.pool.models.AuditEvent.find({ actor: `slack:${user.id}` }).lean();
  return events.map((e) => e.action);
}

let clicks = 0;
async function click(user: SlackUser, ticketId: string, ts: string): Promise<unknown> {
  clicks += 1;
  const actionTs = `1700200000.${String(clicks).padStart(6, '0')}`;
  expect((await h.click({ ticketId, ts }, ACTIONS.take, user, actionTs)).status).toBe(200);
  return h.finishedJob(deskJobId('take', ticketId, user.id, actionTs));
}

describe('agent enrolment', () => {
  describe('when a member who was never enrolled uses the desk', () => {
    it('refuses their command, their Take and their thread replies and notes, and audits each', async () => {
      const command = await h.post(slashCommand({ user: STRANGER, text: 'available' }), 'form');
      expect(command.status).toBe(200);
      expect(JSON.stringify(command.body)).toContain('not enrolled');
      // No agent record came of it, so dispatch has nobody new to offer tickets to.
      expect(
        await h.gateway.pool.models.Agent.countDocuments({ identity: `slack:${STRANGER.id}` }),
      ).toBe(0);

      await h.customerWrites('enrol-1', 'My card was charged twice', 'Enrol Customer');
      const card = await h.cardFor('Enrol Customer');
      expect(await click(STRANGER, card.ticketId, card.ts)).toBe('not-enrolled');
      expect((await h.gateway.pool.getTicket(card.ticketId))?.status).toBe('queued');

      for (const [ts, text] of [
        ['1700201000.000001', 'I can refund you, send me your card number'],
        ['1700201000.000002', '// a note from a stranger'],
      ] as const) {
        const reply = threadMessageEvent({
          channel: AGENTS,
          threadTs: card.ts,
          ts,
          user: STRANGER.id,
          text,
        });
        expect((await h.post(reply, 'json')).status).toBe(200);
        expect(await h.finishedJob(deskJobId('reply', AGENTS, ts))).toBe('not-enrolled');
      }
      expect(h.callbackTexts().some((t) => t.includes('card number'))).toBe(false);
      await waitFor(() => ephemeralsTo(STRANGER).length >= 3 || undefined, {
        what: 'the refusals told',
      });
      expect(ephemeralsTo(STRANGER).every((t) => t === NOT_ENROLLED_TEXT)).toBe(true);
      expect(await refusalsOf(STRANGER)).toEqual(
        expect.arrayContaining(['desk.command.refused', 'desk.take.refused', 'desk.reply.refused']),
      );
    });
  });

  describe('when an admin enrols the member with the CLI', () => {
    it('lets them take the ticket, and unenrolling refuses them again', async () => {
      const cli = (...args: string[]) =>
        run(process.execPath, ['bin/switchboard.js', 'agent', ...args], {
          env: {
            ...process.env,
            MONGODB_URI: inject('mongoUrl'),
            REDIS_URL: inject('redisUrl'),
            MONGODB_DB: h.gateway.config.MONGODB_DB,
            QUEUE_PREFIX: h.gateway.config.QUEUE_PREFIX,
            LOG_LEVEL: 'silent',
          },
        });
      await h.customerWrites('enrol-2', 'Where is my parcel?', 'Newbie Customer');
      const card = await h.cardFor('Newbie Customer');
      expect(await click(NEWBIE, card.ticketId, card.ts)).toBe('not-enrolled');

      const enrolled = await cli('enrol', NEWBIE.id, '--name', 'Newbie');
      expect(enrolled.stdout).toContain(`enrolled agent Newbie (slack:${NEWBIE.id})`);
      expect(await click(NEWBIE, card.ticketId, card.ts)).toBe('taken');
      expect(await h.gateway.pool.models.AuditEvent.countDocuments({ action: 'agent.enrol' })).toBe(
        1,
      );

      await cli('unenrol', NEWBIE.id);
      await h.customerWrites('enrol-3', 'Another question', 'Second Newbie Customer');
      const next = await h.cardFor('Second Newbie Customer');
      expect(await click(NEWBIE, next.ticketId, next.ts)).toBe('not-enrolled');
    }, 60_000);
  });
});
