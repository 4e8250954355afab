import type { RequestHandler, Response } from 'express';

/**
 * What a page served to a browser needs in its headers: its Content-Security-Policy, and who may
 * frame it. The API's defaults (helmet, security-headers.ts) forbid everything; a page replaces
 * them with its own policy here, so every page states the same headers the same way.
 */
export interface PagePolicy {
  /**
   * The policy's directives, each a source list as written in the header
   * (`"script-src 'self'"`), without `frame-ancestors`: `framing` decides that one.
   */
  readonly csp: readonly string[];
  /**
   * `none` (the default): no site may frame the page (`frame-ancestors 'none'` and
   * `X-Frame-Options: DENY`, for browsers that know only the older header). `any`: any site may
   * (the web chat bubble), so neither is sent.
   */
  readonly framing?: 'none' | 'any';
  /** Referrer-Policy; `no-referrer` by default. */
  readonly referrerPolicy?: 'no-referrer' | 'same-origin';
}

/** The Content-Security-Policy header value of a policy, frame-ancestors included. */
export function pageCsp(policy: PagePolicy): string {
  const framing = policy.csp.find((directive) => /^frame-ancestors(\s|$)/i.test(directive.trim()));
  if (framing !== undefined)
    throw new Error(`page policy sets "${framing}": say who may frame the page with framing`);
  const framed = (policy.framing ?? 'none') === 'none' ? ["frame-ancestors 'none'"] : [];
  return [...policy.csp, ...framed].join('; ');
}

/**
 * Sets a page's security headers on a response: its Content-Security-Policy (in place of the
 * API's), framing, nosniff and Referrer-Policy.
 */
export function setPageHeaders(res: Response, policy: PagePolicy): void {
  res.setHeader('content-security-policy', pageCsp(policy));
  if ((policy.framing ?? 'none') === 'none') res.setHeader('x-frame-options', 'DENY');
  else res.removeHeader('x-frame-options');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', policy.referrerPolicy ?? 'no-referrer');
}

/** Middleware setting a fixed page policy on every response of a router (see setPageHeaders). */
export function pageHeaders(policy: PagePolicy): RequestHandler {
  pageCsp(policy); // a policy that sets frame-ancestors fails when the router is built
  return (_req, res, next) => {
    setPageHeaders(res, policy);
    next();
  };
}
