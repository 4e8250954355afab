/**
 * An agent who works from the console, not Slack: says it is available (dispatch then offers it
 * tickets, listed as "Offered to you"), takes its offers — and a ticket that has waited a minute
 * unoffered — then maybe a note, an answer, Resolve, through the console's own API calls.
 */
import type { AdminApi } from './admin-api.ts';

const PICK_AFTER_SECONDS = 60;

export class ConsoleAgent {
  taken = 0;
  resolved = 0;
  notes = 0;
  private timer: NodeJS.Timeout | undefined;
  private working: Promise<void> | undefined;

  constructor(
    private readonly api: AdminApi,
    private readonly random: () => number,
  ) {}

  async start(): Promise<void> {
    await this.api.call('POST', '/agents/me/status', { status: 'available' });
    this.timer = setInterval(() => {
      if (this.working) return;
      this.working = this.round()
        .catch((error: unknown) => {
          process.stderr.write(`[day] console agent: ${String(error)}\n`);
        })
        .finally(() => {
          this.working = undefined;
        });
    }, 3000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.working;
  }

  private async round(): Promise<void> {
    const offered = await this.api.tickets({ status: 'queued', offeredTo: 'me' });
    const waiting = (await this.api.tickets({ status: 'queued' }))
      .filter(
        (t) =>
          !t.offeredTo &&
          t.queuedAt &&
          Date.now() - Date.parse(t.queuedAt) > PICK_AFTER_SECONDS * 1000,
      )
      .sort((a, b) => Date.parse(a.queuedAt!) - Date.parse(b.queuedAt!));
    const ticket = offered[0] ?? waiting[0];
    if (!ticket) return;
    try {
      await this.api.call('POST', `/tickets/${ticket.id}/take`, {});
    } catch {
      return; // someone took it first
    }
    this.taken += 1;
    if (this.random() < 0.4) {
      await this.api.call('POST', `/tickets/${ticket.id}/notes`, {
        text: 'Picked up from the console.',
      });
      this.notes += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 3000 + this.random() * 5000));
    await this.api.call('POST', `/tickets/${ticket.id}/reply`, {
      text: 'Thanks for waiting. I have looked into this and sorted it out for you.',
    });
    await this.api.call('POST', `/tickets/${ticket.id}/resolve`, {});
    this.resolved += 1;
  }
}
