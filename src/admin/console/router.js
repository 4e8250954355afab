// @ts-check
/* global document, location */
// Hash routing: `#/<view>/<arg>…` renders one view into <main>. The views are registered by the
// entry module (app.js), so no view module imports another through here.

import { session, show } from './api.js';
import { h, main } from './dom.js';

/** @typedef {(...args: string[]) => unknown} View */

/** @type {Record<string, View>} */
let views = {};
/** @type {View} */
let fallback = () => undefined;
/** @type {Array<() => void>} */
const leaving = [];

/**
 * Registers the views by name; `fallback` renders an unknown name.
 * @param {Record<string, View>} table
 * @param {View} otherwise
 */
export function setViews(table, otherwise) {
  views = table;
  fallback = otherwise;
}

/**
 * Runs `fn` when the page next changes view (the dashboard destroys its charts).
 * @param {() => void} fn
 */
export function onLeave(fn) {
  leaving.push(fn);
}

/** Renders the view the address names (again, after a change). */
export function route() {
  if (!session.me) return;
  for (let fn = leaving.pop(); fn; fn = leaving.pop()) fn();
  const [, name = 'kb', ...rest] = location.hash.split('/');
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('active', a.getAttribute('href') === `#/${name}`);
  const view = views[name] ?? fallback;
  main.replaceChildren(h('p.muted', {}, 'Loading…'));
  Promise.resolve(view(...rest.map(decodeURIComponent))).catch((error) =>
    show(error instanceof Error ? error.message : String(error)),
  );
}
