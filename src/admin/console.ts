/**
 * Serves the console: static HTML, CSS and plain ES modules from ./console (no build step; the
 * modules are type-checked by `tsc -p src/admin/console`) and Chart.js from node_modules. A strict
 * Content-Security-Policy allows nothing but this origin.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { pageHeaders } from '../http/page-headers.ts';

const CONSOLE_DIR = fileURLToPath(new URL('./console/', import.meta.url));
// The package exports only its module entries; the UMD build sits beside the CommonJS one.
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');

/** Nothing but this origin; no site may frame the console (pageHeaders' default). */
const POLICY = {
  csp: [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ],
} as const;

/**
 * What the browser loads: the page, its style sheet and the ES modules (views/ included). Nothing
 * else in the folder is served: tsconfig.json and api-types.d.ts are for the type-check only.
 */
const SERVED = /^\/(?:[a-z0-9-]+\/)*(?:[a-z0-9-]+\.(?:html|css|js))?$/;

export function consoleRouter(): Router {
  const router = Router();
  router.use(pageHeaders(POLICY));
  router.get('/vendor/chart.umd.js', (_req, res) => {
    res.sendFile(CHART_JS);
  });
  const files = express.static(CONSOLE_DIR, { index: 'index.html', fallthrough: true });
  router.use((req, res, next) => {
    if (SERVED.test(req.path)) files(req, res, next);
    else next();
  });
  return router;
}
