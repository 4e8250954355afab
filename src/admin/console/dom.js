// @ts-check
/* global document, Node */
// Element helpers. Text from the server always enters the page as text nodes (`h` escapes by
// construction); the only HTML inserted is what the server rendered and sanitized, through
// `serverHtml` and `setServerHtml`, so that is the one place to look for innerHTML.

/**
 * @template {string} T
 * @typedef {T extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[T] : HTMLElement} TagElement
 */
/**
 * The element a spec such as `input.wide#try-text` makes.
 * @template {string} S
 * @typedef {S extends `${infer T}.${string}` ? TagElement<T> : S extends `${infer T}#${string}` ? TagElement<T> : TagElement<S>} ElementOf
 */
/** @typedef {string | number | Node | null | undefined | false} Child */
/**
 * Attributes; `on` adds event listeners, `dataset` data attributes; `true` sets an empty
 * attribute, and false, null or undefined leave it out.
 * @typedef {{ on?: Record<string, (event: Event) => unknown>, dataset?: Record<string, string>, [attr: string]: unknown }} Attrs
 */

/**
 * Builds an element: h('tag.class#id', {attrs, on: {event: fn}}, ...children).
 * @template {string} S
 * @param {S} spec
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {ElementOf<S>}
 */
export function h(spec, attrs = {}, ...children) {
  const [tagAndClasses = '', id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (key === 'on' && attrs.on)
      for (const [ev, fn] of Object.entries(attrs.on)) el.addEventListener(ev, fn);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else if (value !== false && value !== undefined && value !== null)
      el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return /** @type {ElementOf<S>} */ (el);
}

/**
 * An element holding HTML the server rendered from markdown and sanitized.
 * @param {string} spec
 * @param {string} html
 */
export function serverHtml(spec, html) {
  const box = h(spec);
  setServerHtml(box, html);
  return box;
}

/**
 * Replaces an element's content with HTML the server rendered and sanitized.
 * @param {Element} el
 * @param {string} html
 */
export function setServerHtml(el, html) {
  el.innerHTML = html;
}

/**
 * The page's element with this id (the page is static: a missing one is a bug).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

/** Where the views render. */
export const main = byId('main');
