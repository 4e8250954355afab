import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Router, type Request, type Response } from 'express';
import { SwitchboardError } from '../../src/domain/errors.ts';
import { setPageHeaders, type PagePolicy } from '../../src/http/page-headers.ts';
import type { WebchatConfig } from './config.ts';
import { DIRECT_LINE_PATH, publicBaseUrl } from './routes.ts';

/** Web Chat's prebuilt browser bundle (sets window.WebChat), from the installed package. */
export function webchatBundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('botframework-webchat');
  return join(dirname(entry), '..', 'dist', 'webchat.js');
}

/** JSON safe inside a <script> element (no `</script>`, no `<!--`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function initials(name: string): string {
  const words = name.split(/\s+/).filter((w) => w.length > 0);
  return words
    .slice(0, 2)
    .map((w) => [...w][0]?.toUpperCase() ?? '')
    .join('');
}

/**
 * The chat page's policy: scripts only from the gateway (Web Chat's bundle and our own), no inline
 * script; Web Chat injects its styles at run time. A second line of defence behind Web Chat's own
 * markdown sanitizer. Any site may frame the page (the embeddable bubble). Connections go to the
 * gateway's own origin only (its Direct Line stream: `base` as ws/wss), not to any ws: host.
 */
function chatPagePolicy(base: string): PagePolicy {
  const stream = new URL(base);
  stream.protocol = stream.protocol === 'https:' ? 'wss:' : 'ws:';
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "media-src 'self' blob: https:",
    // blob: Web Chat reads a picked file back from its object URL before uploading it.
    `connect-src 'self' ${stream.origin} blob:`,
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  return { csp, framing: 'any', referrerPolicy: 'same-origin' };
}

/** A static text file, read and gzipped on first use, served in the encoding the browser takes. */
class Asset {
  private body: Buffer | undefined;
  private gzipped: Buffer | undefined;

  constructor(
    private readonly path: string,
    private readonly contentType: string,
  ) {}

  send(req: Request, res: Response, maxAgeSeconds: number): void {
    this.body ??= readFileSync(this.path);
    res.setHeader('content-type', this.contentType);
    res.setHeader('cache-control', `public, max-age=${maxAgeSeconds}`);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      this.gzipped ??= gzipSync(this.body, { level: 6 });
      res.setHeader('content-encoding', 'gzip');
      res.send(this.gzipped);
      return;
    }
    res.send(this.body);
  }
}

/**
 * The visitor-facing pages: `/chat` (Web Chat on the gateway's Direct Line, full page),
 * `/chat/embed.js` (the one-line bubble for any site), and the scripts they load, all served by
 * the gateway itself (no CDN).
 */
export function chatPageRouter(config: WebchatConfig): Router {
  const router = Router();
  const here = import.meta.dirname;
  let bundlePath: string | undefined;
  try {
    bundlePath = webchatBundlePath();
  } catch {
    bundlePath = undefined;
  }
  if (bundlePath === undefined || !existsSync(bundlePath)) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      'botframework-webchat is not installed (its dist/webchat.js serves the chat page): run npm install',
    );
  }
  const bundle = new Asset(bundlePath, 'text/javascript; charset=utf-8');
  const app = new Asset(join(here, 'static', 'chat.js'), 'text/javascript; charset=utf-8');
  const embedSource = readFileSync(join(here, 'static', 'embed.js'), 'utf8');
  const brand = config.WEBCHAT_BRAND_NAME;

  router.get('/chat', (req, res) => {
    const base = publicBaseUrl(config, req);
    const settings = {
      directLine: `${base}${DIRECT_LINE_PATH}`,
      color: config.WEBCHAT_BRAND_COLOR,
      brandName: brand,
      initials: initials(brand),
      uploadTypes: config.WEBCHAT_UPLOAD_TYPES,
      storageScope: 'v1',
      // The pre-chat form, for visitors the site does not sign (a signed user skips it).
      prechat: config.WEBCHAT_PRECHAT_FORM,
    };
    const embedded = req.query['embed'] === '1';
    // Framed by any site (the bubble): not the gateway's default X-Frame-Options: DENY.
    setPageHeaders(res, chatPagePolicy(base));
    res.setHeader('cache-control', 'no-store');
    res.type('html').send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(brand)} chat</title>
<style>
html, body { height: 100%; margin: 0; font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; }
body { display: flex; flex-direction: column; }
#switchboard-header { background: ${config.WEBCHAT_BRAND_COLOR}; color: #fff; padding: 12px 16px; font-weight: 600; }
#webchat { flex: 1; min-height: 0; }
.switchboard-error { padding: 16px; color: #a4262c; }
#switchboard-prechat { display: flex; flex-direction: column; gap: 12px; padding: 16px; }
#switchboard-prechat label { display: flex; flex-direction: column; gap: 4px; font-size: 14px; }
#switchboard-prechat input { font: inherit; padding: 8px; border: 1px solid #8a8886; border-radius: 4px; }
#switchboard-prechat button { font: inherit; padding: 10px; border: 0; border-radius: 4px; color: #fff; background: ${config.WEBCHAT_BRAND_COLOR}; cursor: pointer; }
</style>
</head>
<body${embedded ? ' class="embedded"' : ''}>
<header id="switchboard-header">${escapeHtml(brand)}</header>
<main id="webchat" role="main"></main>
<script type="application/json" id="switchboard-chat-config">${scriptJson(settings)}</script>
<script src="${escapeHtml(base)}/chat/webchat.js"></script>
<script src="${escapeHtml(base)}/chat/app.js"></script>
</body>
</html>
`);
  });

  router.get('/chat/webchat.js', (req, res) => bundle.send(req, res, 86_400));
  router.get('/chat/app.js', (req, res) => app.send(req, res, 300));
  router.get('/chat/embed.js', (req, res) => {
    const settings = {
      origin: publicBaseUrl(config, req),
      brandName: brand,
      color: config.WEBCHAT_BRAND_COLOR,
    };
    res.setHeader('content-type', 'text/javascript; charset=utf-8');
    res.setHeader('cache-control', 'public, max-age=300');
    res.setHeader('x-content-type-options', 'nosniff');
    // Loaded by other sites: readable cross-origin.
    res.setHeader('cross-origin-resource-policy', 'cross-origin');
    res.send(`(function (SWITCHBOARD_CHAT) {\n${embedSource}\n})(${scriptJson(settings)});\n`);
  });
  return router;
}
