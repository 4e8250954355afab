/**
 * The admin API's reference: `GET /api/docs` renders the OpenAPI document with Swagger UI, served
 * from node_modules (no CDN: many deployments have no internet), under a strict
 * Content-Security-Policy; `GET /api/docs/openapi.json` is the document itself.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router } from 'express';
import { adminApiDocument } from '../admin/openapi.ts';
import { pageHeaders, type PagePolicy } from './page-headers.ts';

/** Where the lead mounts the router. */
export const API_DOCS_PATH = '/api/docs';

const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// Scripts from this origin only. Swagger UI sets a few inline styles, which styles alone may do.
const DOCS_PAGE: PagePolicy = {
  csp: [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ],
};

// The page's only script of its own: a file, since the CSP allows no inline script. Swagger UI's
// validator badge would call validator.swagger.io: off.
const INIT_JS = `'use strict';
const root = document.getElementById('swagger-ui');
window.ui = SwaggerUIBundle({
  url: root.dataset.spec,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(base: string): string {
  const at = escapeHtml(base);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard admin API</title>
<link rel="icon" type="image/png" href="${at}/assets/favicon-32x32.png">
<link rel="stylesheet" href="${at}/assets/swagger-ui.css">
</head>
<body>
<noscript><p>The reference needs JavaScript; the document itself is <a href="${at}/openapi.json">openapi.json</a>.</p></noscript>
<div id="swagger-ui" data-spec="${at}/openapi.json"></div>
<script src="${at}/assets/swagger-ui-bundle.js"></script>
<script src="${at}/assets/init.js"></script>
</body>
</html>
`;
}

/** The API reference router; mount it at API_DOCS_PATH. It needs no sign-in: it holds no data. */
export function apiDocsRouter(): Router {
  const router = Router();
  router.use(pageHeaders(DOCS_PAGE));
  router.get('/', (req, res) => {
    res.type('html').send(page(req.baseUrl));
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(adminApiDocument());
  });
  router.get('/assets/init.js', (_req, res) => {
    res.type('text/javascript').send(INIT_JS);
  });
  for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']) {
    router.get(`/assets/${file}`, (_req, res) => {
      res.sendFile(join(SWAGGER_UI, file), { maxAge: '1h' });
    });
  }
  return router;
}
