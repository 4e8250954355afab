import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.ts';
import { ticketsApiRouter } from '../../src/http/tickets-api.ts';
import { dispatchFixture, queuedTicket, type DispatchFixture } from './support.ts';

let fx: DispatchFixture;

beforeAll(async () => {
  fx = await dispatchFixture('sbapi');
});

afterAll(async () => {
  await fx.close();
});

function app(withForecast: boolean) {
  const dispatcher = fx.dispatcher();
  const server = express();
  server.use(
    '/api/v1/tickets',
    ticketsApiRouter({
      pool: fx.pool,
      sendAgentReply: () => Promise.reject(new Error('not used')),
      ...(withForecast ? { forecast: () => dispatcher.forecast() } : {}),
    }),
  );
  server.use(errorHandler());
  return { server, dispatcher };
}

describe('tickets API with dispatch', () => {
  describe('when a ticket was scored', () => {
    it('returns the score, its parts and the SLA', async () => {
      const { server, dispatcher } = app(false);
      const { ticket, message } = await queuedTicket(fx.pool, {
        text: 'You charged me twice, refund now!',
      });
      await dispatcher.onEscalating(ticket, message, { intent: 'charged-twice' });
      const res = await request(server)
        .get(`/api/v1/tickets/${String(ticket._id)}`)
        .expect(200);
      const body = res.body as {
        dispatch: {
          urgency: number;
          urgencyExplained: string;
          tier: string;
          sla: { policy: string; state: string; firstResponseDueAt: string };
        };
      };
      expect(body.dispatch.urgency).toBeGreaterThan(0);
      expect(body.dispatch.urgencyExplained).toMatch(/double charge \+14/);
      expect(body.dispatch.tier).toBe('urgent');
      expect(body.dispatch.sla).toMatchObject({ policy: 'urgent', state: 'active' });
      expect(Date.parse(body.dispatch.sla.firstResponseDueAt)).not.toBeNaN();
    });
  });

  describe('when the forecast is asked for', () => {
    it('answers 24 hours of demand, and 404 where no forecast is wired', async () => {
      const res = await request(app(true).server).get('/api/v1/tickets/forecast').expect(200);
      const body = res.body as { hours: Array<{ total: number; agentsNeeded: number }> };
      expect(body.hours).toHaveLength(24);
      await request(app(false).server).get('/api/v1/tickets/forecast').expect(404);
    });
  });
});
