/**
 * The service dashboard: every chart's data in one call, and each chart as CSV.
 */
import { Router } from 'express';
import { z } from 'zod';
import { CHANNEL_IDS } from '../../domain/message.ts';
import { SwitchboardError } from '../../domain/errors.ts';
import { dashboardCsv, toCsv } from '../reports/csv.ts';
import { loadDashboard, type DashboardRange } from '../reports/dashboard.ts';
import type { AdminDeps } from '../deps.ts';
import { Dashboard } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';

/** Longest range one dashboard covers. */
const MAX_RANGE_DAYS = 92;

/** The range of `GET /dashboard` and its CSVs: ISO dates, default the last 7 days. */
export const RangeQuery = z.object({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  channel: z.enum(CHANNEL_IDS).optional(),
});

/** The query's range: default the last 7 days; `from` before `to`, at most MAX_RANGE_DAYS. */
export function parseRange(query: unknown, now = new Date()): DashboardRange {
  const parsed = RangeQuery.parse(query);
  const to = parsed.to ?? now;
  const from = parsed.from ?? new Date(to.getTime() - 7 * 86_400_000);
  if (from.getTime() >= to.getTime()) {
    throw new SwitchboardError('SB_ERR_VALIDATION', 'from: must be before to', { field: 'from' });
  }
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
    throw new SwitchboardError(
      'SB_ERR_VALIDATION',
      `from: the range is at most ${MAX_RANGE_DAYS} days`,
      {
        field: 'from',
      },
    );
  }
  return { from, to, channel: parsed.channel };
}

export const DASHBOARD_CHARTS = [
  'volume',
  'self-service',
  'resolution-quality',
  'response-times',
  'sla',
  'at-risk',
  'agent-load',
  'csat',
  'forecast',
] as const;

/** `:chart` of `GET /dashboard/:chart.csv`. */
export const ChartParams = z.object({ chart: z.enum(DASHBOARD_CHARTS) });

/** The dashboard API: what dashboardRouter mounts and the OpenAPI document describes. */
const DASHBOARD = {
  read: {
    method: 'get',
    path: '/dashboard',
    tag: 'dashboard',
    summary: 'The service dashboard',
    description:
      'Every chart of the range (at most 92 days; `from` before `to`), computed over one bounded read of its tickets (`truncated` when more matched).',
    permission: 'dashboard.read',
    query: RangeQuery,
    response: json(Dashboard, 'The dashboard.'),
  },
  chart: {
    method: 'get',
    path: '/dashboard/:chart.csv',
    tag: 'dashboard',
    summary: 'One chart as CSV',
    permission: 'dashboard.read',
    params: ChartParams,
    query: RangeQuery,
    response: { description: 'The chart as CSV.', csv: 'The rows of the chart.' },
  },
} satisfies Record<string, AdminOperation>;

/** The dashboard API's operations, in the document's order. */
export const DASHBOARD_OPERATIONS: readonly AdminOperation[] = Object.values(DASHBOARD);

export function dashboardRouter(deps: AdminDeps): Router {
  const router = Router();
  const route = routes(router);

  route(DASHBOARD.read, async (req, res) => {
    res.json(
      await loadDashboard(deps.models, parseRange(req.query), new Date(), deps.forecastSettings),
    );
  });

  route(DASHBOARD.chart, async (req, res) => {
    const parsed = ChartParams.safeParse(req.params);
    if (!parsed.success) {
      throw new SwitchboardError(
        'SB_ERR_NOT_FOUND',
        `no chart ${String(req.params['chart'])}; charts: ${DASHBOARD_CHARTS.join(', ')}`,
      );
    }
    const { chart } = parsed.data;
    const dashboard = await loadDashboard(
      deps.models,
      parseRange(req.query),
      new Date(),
      deps.forecastSettings,
    );
    const rows = dashboardCsv(dashboard, chart) ?? [];
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${chart}.csv"`);
    res.send(toCsv(rows));
  });
  return router;
}
