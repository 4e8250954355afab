import type { Dashboard } from './dashboard.ts';

/** The dashboard's charts as CSV rows (header first). */
export function dashboardCsv(dashboard: Dashboard, chart: string): string[][] | undefined {
  const secs = (v: number | null) => (v === null ? '' : v.toFixed(0));
  const rateText = (v: number | null) => (v === null ? '' : v.toFixed(4));
  switch (chart) {
    case 'volume':
      return [
        ['bucket', ...dashboard.volume.series.map((s) => s.channel)],
        ...dashboard.volume.buckets.map((b, i) => [
          b,
          ...dashboard.volume.series.map((s) => String(s.counts[i] ?? 0)),
        ]),
      ];
    case 'self-service':
      return [
        ['finished', 'without_agent', 'rate', 'still_with_bot'],
        [
          String(dashboard.selfService.finished),
          String(dashboard.selfService.withoutAgent),
          dashboard.selfService.rate === null ? '' : dashboard.selfService.rate.toFixed(4),
          String(dashboard.selfService.stillWithBot),
        ],
      ];
    case 'resolution-quality':
      return [
        ['measure', 'count', 'of', 'rate'],
        [
          'first_contact_resolution',
          String(dashboard.firstContactResolution.withoutReopen),
          String(dashboard.firstContactResolution.finished),
          rateText(dashboard.firstContactResolution.rate),
        ],
        [
          'bot_deflection',
          String(dashboard.botDeflection.withoutAgent),
          String(dashboard.botDeflection.tickets),
          rateText(dashboard.botDeflection.rate),
        ],
      ];
    case 'response-times':
      return [
        ['measure', 'count', 'median_seconds', 'p90_seconds'],
        [
          'first_response',
          String(dashboard.firstResponse.count),
          secs(dashboard.firstResponse.medianSeconds),
          secs(dashboard.firstResponse.p90Seconds),
        ],
        [
          'agent_first_response',
          String(dashboard.agentFirstResponse.count),
          secs(dashboard.agentFirstResponse.medianSeconds),
          secs(dashboard.agentFirstResponse.p90Seconds),
        ],
        [
          'resolution',
          String(dashboard.resolution.count),
          secs(dashboard.resolution.medianSeconds),
          secs(dashboard.resolution.p90Seconds),
        ],
      ];
    case 'sla':
      return [
        ['state', 'tickets'],
        ...Object.entries(dashboard.sla).map(([k, v]) => [k, String(v)]),
      ];
    case 'at-risk':
      return [
        ['ticket', 'channel', 'due_at', 'overdue'],
        ...dashboard.atRisk.map((r) => [
          String(r.number),
          r.channel,
          r.dueAt.toISOString(),
          String(r.overdue),
        ]),
      ];
    case 'agent-load':
      return [
        ['agent', 'status', 'active', 'capacity'],
        ...dashboard.agentLoad.map((a) => [a.name, a.status, String(a.active), String(a.capacity)]),
      ];
    case 'csat':
      return [
        ['score', 'responses'],
        ...dashboard.csat.distribution.map((n, i) => [String(i + 1), String(n)]),
      ];
    case 'forecast': {
      // Compared hours first (with the actual tickets and each hour's error), then the next 24.
      const f = dashboard.forecast;
      return [
        ['hour', 'forecast', 'actual', 'error_percent', 'agents_needed'],
        ...f.hours.map((hour, i) => {
          const actual = f.actual[i] ?? 0;
          const predicted = f.forecast[i] ?? 0;
          return [
            hour,
            String(predicted),
            String(actual),
            actual > 0 ? ((Math.abs(actual - predicted) / actual) * 100).toFixed(1) : '',
            '',
          ];
        }),
        ...f.ahead.hours.map((hour, i) => [
          hour,
          String(f.ahead.forecast[i] ?? 0),
          '',
          '',
          String(f.ahead.agentsNeeded[i] ?? 0),
        ]),
      ];
    }
    default:
      return undefined;
  }
}

/** RFC 4180 CSV; cells that a spreadsheet would run as formulas are prefixed with '. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  const cell = (value: string) => {
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
