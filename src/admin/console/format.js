// @ts-check
/* global URLSearchParams */
// How the console writes dates, shares, durations and query strings.

/**
 * A date and time in the reader's locale, or a dash.
 * @param {string | number | Date | null | undefined} v
 */
export const fmtDate = (v) => (v ? new Date(v).toLocaleString() : '—');

/**
 * A share (0..1) as a whole percentage.
 * @param {number} v
 */
export const pct = (v) => `${(v * 100).toFixed(0)} %`;

/**
 * A share as a percentage, or a dash when unknown.
 * @param {number | null | undefined} value
 */
export const pctOrDash = (value) => (value === null || value === undefined ? '—' : pct(value));

/**
 * A duration in seconds, minutes or hours, or a dash.
 * @param {number | null | undefined} s
 */
export const fmtSecs = (s) =>
  s === null || s === undefined
    ? '—'
    : s < 120
      ? `${Math.round(s)} s`
      : s < 7200
        ? `${Math.round(s / 60)} min`
        : `${(s / 3600).toFixed(1)} h`;

/**
 * A query string of the parameters that have a value (`?a=1&b=2`, or empty).
 * @param {Record<string, string | number | null | undefined>} params
 */
export const qs = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== '' && v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/**
 * The non-empty, trimmed items of a list typed with a separator.
 * @param {string} value
 * @param {string} [separator]
 */
export const splitList = (value, separator = ',') =>
  value
    .split(separator)
    .map((v) => v.trim())
    .filter(Boolean);
