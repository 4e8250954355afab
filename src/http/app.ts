import express, { type Express, type Router } from 'express';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import { requireAdmin } from './admin-auth.ts';
import { errorHandler } from './errors.ts';
import { healthRouter, type ReadinessProbe } from './health.ts';
import { QUEUE_DASHBOARD_PATH, queueDashboardRouter } from './queue-dashboard.ts';

/**
 * Builds the HTTP app without opening a port (tests drive it with supertest). Channel routers and
 * admin routers are mounted as given; each parses its own body, so the raw bytes stay available to
 * channels that verify signatures over them.
 */
export function createHttpApp(deps: {
  channelRouters: Router[];
  /** Mounted under their path behind admin auth. */
  adminRouters: Array<{ path: string; router: Router }>;
  /** Mounted under their path as they are: they authenticate on their own (the admin console). */
  ownAuthRouters?: Array<{ path: string; router: Router }>;
  queues: Queue[];
  probes: ReadinessProbe[];
  metrics: Metrics;
  adminToken: string | undefined;
  logger?: Logger;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(healthRouter(deps.probes));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  for (const router of deps.channelRouters) app.use(router);
  const admin = requireAdmin(deps.adminToken);
  app.use(QUEUE_DASHBOARD_PATH, admin, queueDashboardRouter(deps.queues));
  for (const { path, router } of deps.adminRouters) app.use(path, admin, router);
  for (const { path, router } of deps.ownAuthRouters ?? []) app.use(path, router);
  app.use((req, res) => {
    res.status(404).json({
      error: { code: 'SB_ERR_NOT_FOUND', message: `no route for ${req.method} ${req.path}` },
    });
  });
  app.use(errorHandler(deps.logger));
  return app;
}
