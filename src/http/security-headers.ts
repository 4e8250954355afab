import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { pageHeaders, type PagePolicy } from './page-headers.ts';

/**
 * helmet's headers on every response (nosniff, Referrer-Policy no-referrer, HSTS — which browsers
 * heed only over TLS —, same-origin opener and resource policies, X-Frame-Options DENY), with the
 * policy an API wants: a JSON body must never render or be framed. Pages set their own
 * Content-Security-Policy after this one with page-headers.ts, which replaces it (the web chat page,
 * the help centre, the API reference, Bull Board below; the admin console still by hand).
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
  });
}

/**
 * Bull Board's page: its scripts are files of its own (no inline script, no eval; the
 * `__UI_CONFIG__` block is JSON data, never run), but it inlines styles, sets `<base href>`, runs
 * a same-origin worker (syntax highlighting) and takes its fonts from Google Fonts.
 */
const QUEUE_DASHBOARD_PAGE: PagePolicy = {
  csp: [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
    "font-src 'self' data: https://fonts.gstatic.com",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ],
};

/** The queue dashboard's own policy, in place of the API's. */
export function queueDashboardHeaders(): RequestHandler {
  return pageHeaders(QUEUE_DASHBOARD_PAGE);
}
