import { describe, expect, it } from 'vitest';
import {
  allowedSources,
  canTransition,
  reopenTarget,
  TICKET_STATUSES,
} from '../../src/domain/ticket.ts';

describe('ticket lifecycle', () => {
  describe('when moving forward', () => {
    it('allows bot → queued → assigned → resolved → closed', () => {
      expect(canTransition('bot', 'queued')).toBe(true);
      expect(canTransition('queued', 'assigned')).toBe(true);
      expect(canTransition('assigned', 'resolved')).toBe(true);
      expect(canTransition('resolved', 'closed')).toBe(true);
    });
  });

  describe('when skipping or going back without cause', () => {
    it('refuses bot → assigned, bot → closed, queued → bot and anything out of closed', () => {
      expect(canTransition('bot', 'assigned')).toBe(false);
      expect(canTransition('bot', 'closed')).toBe(false);
      expect(canTransition('queued', 'bot')).toBe(false);
      for (const to of TICKET_STATUSES) expect(canTransition('closed', to)).toBe(false);
    });
  });

  describe('when a resolved ticket is reopened', () => {
    it('goes back to its agent if it had one, else to the bot', () => {
      expect(reopenTarget({ assigneeId: 'a1' })).toBe('assigned');
      expect(reopenTarget({})).toBe('bot');
      expect(canTransition('resolved', 'assigned')).toBe(true);
      expect(canTransition('resolved', 'bot')).toBe(true);
    });
  });

  it('lists the sources of a target for conditional updates', () => {
    expect(allowedSources('assigned').sort()).toEqual(['queued', 'resolved']);
  });
});
