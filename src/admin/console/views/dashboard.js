// @ts-check
/* global window */
// The service dashboard: Chart.js charts (loaded by index.html as vendor/chart.umd.js) of volume,
// the demand forecast, self-service, response times, SLA, agent load and CSAT, each with its CSV.

import { API, api, attempt, session } from '../api.js';
import { h, main } from '../dom.js';
import { fmtSecs, qs } from '../format.js';
import { onLeave } from '../router.js';

/**
 * What the console needs of Chart.js's global.
 * @typedef {{ type: string, data: unknown, options?: Record<string, unknown> }} ChartConfig
 * @typedef {new (canvas: HTMLCanvasElement, config: ChartConfig) => { destroy(): void }} ChartConstructor
 */

/** The charts on the page, destroyed before they are drawn again or the view changes. */
/** @type {Array<{ destroy(): void }>} */
const charts = [];
const destroyCharts = () => {
  for (let chart = charts.pop(); chart; chart = charts.pop()) chart.destroy();
};

const COLORS = ['#3a66c4', '#e07b39', '#3f9d5a', '#b3261e', '#8a5cc2', '#c9a227'];

/** Chart.js's global (index.html loads it, deferred, before the modules run). */
function chartJs() {
  const { Chart } = /** @type {Window & { Chart?: ChartConstructor }} */ (window);
  if (!Chart) throw new Error('Chart.js is not loaded');
  return Chart;
}

/** The dashboard, for the last seven days unless the range is changed. */
export async function viewDashboard() {
  onLeave(destroyCharts);
  const today = new Date();
  const from = h('input#dash-from', {
    type: 'date',
    value: new Date(today.getTime() - 6 * 86400000).toISOString().slice(0, 10),
  });
  const to = h('input#dash-to', { type: 'date', value: today.toISOString().slice(0, 10) });
  const channel = h(
    'select#dash-channel',
    {},
    // The channels the server knows (its registry), from /auth/me.
    ...['', ...(session.me?.channels ?? [])].map((c) =>
      h('option', { value: c }, c || 'all channels'),
    ),
  );
  const grid = h('div.charts');
  const params = () =>
    qs({
      from: `${from.value}T00:00:00Z`,
      to: new Date(new Date(`${to.value}T00:00:00Z`).getTime() + 86400000).toISOString(),
      channel: channel.value,
    });
  const load = async () => {
    destroyCharts();
    /** @type {import('../api-types.js').Dashboard} */
    const d = await api('GET', `/dashboard${params()}`);
    /**
     * One chart, with its title, summary line and CSV link.
     * @param {string} key
     * @param {string} title
     * @param {string | null} summary
     * @param {ChartConfig} config
     */
    const panel = (key, title, summary, config) => {
      const canvas = h('canvas', { id: `chart-${key}` });
      const box = h(
        'div.card.chart',
        { dataset: { chart: key } },
        h(
          'h3',
          {},
          title,
          ' ',
          h('a', { href: `${API}/dashboard/${key}.csv${params()}`, download: `${key}.csv` }, 'CSV'),
        ),
        summary ? h('p.muted', {}, summary) : null,
        canvas,
      );
      grid.append(box);
      charts.push(
        new (chartJs())(canvas, {
          ...config,
          options: {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            ...(config.options ?? {}),
          },
        }),
      );
    };
    grid.replaceChildren();
    panel(
      'volume',
      'Tickets by channel',
      `per ${d.range.bucket}${d.truncated ? ' (truncated)' : ''}`,
      {
        type: 'bar',
        data: {
          labels: d.volume.buckets,
          datasets: d.volume.series.map((s, i) => ({
            label: s.channel,
            data: s.counts,
            backgroundColor: COLORS[i % COLORS.length],
          })),
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
      },
    );
    // Forecast against actual: the compared hours, then the next 24 (forecast only).
    const f = d.forecast;
    const hourLabel = (/** @type {string} */ b) => `${b.slice(5, 10)} ${b.slice(11, 16)}`;
    const aheadTotal = f.ahead.forecast.reduce((a, b) => a + b, 0);
    panel(
      'forecast',
      'Demand forecast against actual',
      [
        f.hours.length === 0
          ? 'no complete hour in the range'
          : f.mape === null
            ? `no tickets in the ${f.hours.length} complete hours compared, so no error to measure`
            : `error (MAPE) ${f.mape.toFixed(1)} % over the last ${f.hours.length} complete hours`,
        f.runningHourActual > 0
          ? `${f.runningHourActual} tickets so far in the running hour (compared once it is complete)`
          : null,
        f.ahead.hours.length ? `next 24 h: ${aheadTotal.toFixed(0)} tickets forecast` : null,
        f.truncated ? '(history truncated)' : null,
      ]
        .filter(Boolean)
        .join(' · '),
      {
        type: 'line',
        data: {
          labels: [...f.hours, ...f.ahead.hours].map(hourLabel),
          datasets: [
            {
              label: 'actual',
              data: [...f.actual, ...f.ahead.hours.map(() => null)],
              borderColor: COLORS[0],
              backgroundColor: COLORS[0],
              pointRadius: 2,
            },
            {
              label: 'forecast',
              data: [...f.forecast, ...f.ahead.forecast],
              borderColor: COLORS[1],
              backgroundColor: COLORS[1],
              borderDash: [6, 4],
              pointRadius: 2,
            },
          ],
        },
        options: { scales: { y: { beginAtZero: true } } },
      },
    );
    const percent = (/** @type {number | null} */ r) =>
      r === null ? '—' : `${(r * 100).toFixed(0)} %`;
    panel(
      'self-service',
      'Bot self-service',
      `${percent(d.selfService.rate)} of ${d.selfService.finished} finished conversations closed without an agent; ` +
        `first-contact resolution ${percent(d.firstContactResolution.rate)}, ` +
        `bot deflection ${percent(d.botDeflection.rate)} of ${d.botDeflection.tickets} conversations`,
      {
        type: 'doughnut',
        data: {
          labels: ['without an agent', 'with an agent'],
          datasets: [
            {
              data: [
                d.selfService.withoutAgent,
                d.selfService.finished - d.selfService.withoutAgent,
              ],
              backgroundColor: [COLORS[2], COLORS[0]],
            },
          ],
        },
      },
    );
    panel(
      'response-times',
      'First response and resolution',
      `first response (bot or agent) median ${fmtSecs(d.firstResponse.medianSeconds)} · agent's first response after hand-over median ${fmtSecs(d.agentFirstResponse.medianSeconds)}, p90 ${fmtSecs(d.agentFirstResponse.p90Seconds)} (${d.agentFirstResponse.count} tickets) · resolution median ${fmtSecs(d.resolution.medianSeconds)}, p90 ${fmtSecs(d.resolution.p90Seconds)}`,
      {
        type: 'bar',
        data: {
          labels: ['first response (bot or agent)', 'agent first response', 'resolution'],
          datasets: [
            {
              label: 'median (min)',
              data: [
                d.firstResponse.medianSeconds,
                d.agentFirstResponse.medianSeconds,
                d.resolution.medianSeconds,
              ].map((s) => (s ?? 0) / 60),
              backgroundColor: COLORS[0],
            },
            {
              label: 'p90 (min)',
              data: [
                d.firstResponse.p90Seconds,
                d.agentFirstResponse.p90Seconds,
                d.resolution.p90Seconds,
              ].map((s) => (s ?? 0) / 60),
              backgroundColor: COLORS[1],
            },
          ],
        },
      },
    );
    panel('sla', 'SLA', `${d.atRisk.length} tickets at risk now`, {
      type: 'bar',
      data: {
        labels: Object.keys(d.sla),
        datasets: [
          {
            label: 'tickets',
            data: Object.values(d.sla),
            backgroundColor: [COLORS[2], COLORS[3], COLORS[0], COLORS[5], '#aab'],
          },
        ],
      },
    });
    panel('agent-load', 'Agent load', null, {
      type: 'bar',
      data: {
        labels: d.agentLoad.map((a) => a.name),
        datasets: [
          { label: 'active', data: d.agentLoad.map((a) => a.active), backgroundColor: COLORS[0] },
          {
            label: 'capacity',
            data: d.agentLoad.map((a) => a.capacity),
            backgroundColor: '#c5cbd6',
          },
        ],
      },
    });
    panel(
      'csat',
      'CSAT',
      d.csat.average === null
        ? 'no ratings yet'
        : `average ${d.csat.average.toFixed(2)} from ${d.csat.responses} ratings`,
      {
        type: 'bar',
        data: {
          labels: ['1', '2', '3', '4', '5'],
          datasets: [{ label: 'ratings', data: d.csat.distribution, backgroundColor: COLORS[4] }],
        },
      },
    );
    grid.dataset.rendered = 'true';
  };
  for (const el of [from, to, channel]) el.addEventListener('change', () => void attempt(load));
  main.replaceChildren(
    h(
      'div.card',
      {},
      h('h2', {}, 'Service dashboard'),
      h('form.inline', {}, h('label', {}, 'From ', from), h('label', {}, 'To ', to), channel),
    ),
    grid,
  );
  await load();
}
