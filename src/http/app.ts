import { createHash, timingSafeEqual } from 'node:crypto';
import { SwitchboardError } from '../domain/errors.ts';
import express, { Router, type Express, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import { requireAdmin } from './admin-auth.ts';
import { errorHandler } from './errors.ts';
import { healthRouter, type ReadinessProbe } from './health.ts';
import { QUEUE_DASHBOARD_PATH, queueDashboardRouter } from './queue-dashboard.ts';
import type { HttpRateLimits, RateLimitKind } from './rate-limit.ts';
import { queueDashboardHeaders, securityHeaders } from './security-headers.ts';

/** A constant-time comparison of a Bearer header with the expected token. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const presented = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Builds the HTTP app without opening a port (tests drive it with supertest). Channel routers and
 * admin routers are mounted as given; each parses its own body, so the raw bytes stay available to
 * channels that verify signatures over them. Every response carries the security headers; every
 * endpoint but the 404 counts against a rate limit (per client address unless said otherwise).
 */
export function createHttpApp(deps: {
  channelRouters: Router[];
  /**
   * The channels' endpoints, limited by the client's address before their router runs (the API
   * channel also counts per integration key, inside its router). Web chat's Direct Line keeps its
   * own per-visitor limits.
   */
  channelLimits?: Array<{ path: string; kind: RateLimitKind }>;
  /** Mounted under their path behind admin auth. */
  adminRouters: Array<{ path: string; router: Router }>;
  /** Mounted under their path as they are: they authenticate on their own (the admin console). */
  ownAuthRouters?: Array<{ path: string; router: Router }>;
  queues: Queue[];
  probes: ReadinessProbe[];
  metrics: Metrics;
  adminToken: string | undefined;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>` (METRICS_TOKEN). */
  metricsToken?: string | undefined;
  /** Express's `trust proxy` (TRUST_PROXY). */
  trustProxy?: boolean | number | string;
  rateLimits: HttpRateLimits;
  logger?: Logger;
}): Express {
  const app = express();
  const limits = deps.rateLimits;
  app.disable('x-powered-by');
  // req.ip, which the rate limits count by, and req.secure: X-Forwarded-* believed only from the
  // proxies TRUST_PROXY names (default: one on this machine).
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.use(securityHeaders());
  // Counted in memory, per process: probes and scrapes must answer while Redis is away.
  app.use(
    ['/healthz', '/readyz', '/metrics'],
    limits.perAddress('public', 'operations', { store: 'memory' }),
  );
  app.use(healthRouter(deps.probes));
  app.get('/metrics', async (req, res) => {
    // Queue depths and rates say much about a business: METRICS_TOKEN keeps them to the scraper.
    if (
      deps.metricsToken !== undefined &&
      !bearerMatches(req.headers.authorization, deps.metricsToken)
    ) {
      throw new SwitchboardError(
        'SB_ERR_UNAUTHENTICATED',
        'metrics: send the METRICS_TOKEN as a Bearer token',
      );
    }
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  for (const { path, kind } of deps.channelLimits ?? [])
    app.use(path, limits.perAddress(kind, path));
  for (const router of deps.channelRouters) app.use(router);
  // Admin routes count before authentication, so guessing credentials is limited too. Each mount
  // is one router, so tools that walk the app's routes find the limit and the routes together.
  const admin = requireAdmin(deps.adminToken);
  const limited = (path: string, ...handlers: RequestHandler[]) =>
    app.use(path, Router().use(limits.perAddress('public', path), ...handlers));
  limited(QUEUE_DASHBOARD_PATH, admin, queueDashboardHeaders(), queueDashboardRouter(deps.queues));
  for (const { path, router } of deps.adminRouters) limited(path, admin, router);
  for (const { path, router } of deps.ownAuthRouters ?? []) limited(path, router);
  app.use((req, res) => {
    res.status(404).json({
      error: { code: 'SB_ERR_NOT_FOUND', message: `no route for ${req.method} ${req.path}` },
    });
  });
  app.use(errorHandler(deps.logger));
  return app;
}
