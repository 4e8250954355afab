// @ts-check
// Tables: a header row and a body, as every list in the console draws them.

import { h } from './dom.js';

/**
 * A header row of these headings.
 * @param {string[]} headings
 */
export const headRow = (headings) =>
  h('thead', {}, h('tr', {}, ...headings.map((t) => h('th', {}, t))));

/**
 * A table of `body` (a tbody, or its rows) under `headings` (null: no header row).
 * @param {string[] | null} headings
 * @param {HTMLTableSectionElement | Node[]} body
 */
export function table(headings, body) {
  return h(
    'table',
    {},
    headings ? headRow(headings) : null,
    Array.isArray(body) ? h('tbody', {}, ...body) : body,
  );
}
