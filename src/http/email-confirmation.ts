/**
 * The pages behind an email confirmation link (src/identity/confirmation-links.ts). `GET` only
 * shows a page with a button, and the `POST` it sends confirms: mail scanners and link previews
 * that open every link in a mail must not confirm on the owner's behalf. The link is the
 * credential (no session, no CSRF token: a forged POST would need the link itself).
 */
import { Router, type Response } from 'express';
import type { Logger } from 'pino';
import { isSwitchboardError } from '../domain/errors.ts';
import type { ConfirmationLinks } from '../identity/confirmation-links.ts';
import { confirmEmail } from '../identity/confirm-email.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { PoolModels } from '../pool/models.ts';
import { escapeHtml } from './html.ts';
import { setPageHeaders, type PagePolicy } from './page-headers.ts';

/**
 * No script, no style sheet, nothing fetched; the one form posts to ourselves. Inline styles are
 * allowed for the page's few rules: nothing on the page comes from a visitor.
 */
const CONFIRM_PAGE: PagePolicy = {
  csp: ["default-src 'none'", "style-src 'unsafe-inline'", "form-action 'self'", "base-uri 'none'"],
};

function page(title: string, body: string, brandName: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · ${escapeHtml(brandName)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#0063b1;color:#fff;cursor:pointer}
code{color:#555}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function emailConfirmationRouter(deps: {
  links: () => Promise<ConfirmationLinks>;
  models: PoolModels;
  locks: DocumentLocks;
  brandName: string;
  logger?: Logger | undefined;
}): Router {
  const router = Router();
  const send = (res: Response, status: number, title: string, body: string) => {
    res.status(status);
    setPageHeaders(res, CONFIRM_PAGE);
    // The page holds a capability in its URL: never cached, never sent on as a referrer.
    res.setHeader('cache-control', 'no-store');
    res.type('html').send(page(title, body, deps.brandName));
  };
  /** A refused link or a failed confirmation, as a page naming the error code. */
  const refuse = (res: Response, error: unknown) => {
    if (!isSwitchboardError(error) || error.httpStatus >= 500) {
      deps.logger?.error({ err: error }, 'email confirmation failed');
    }
    const known = isSwitchboardError(error);
    const message = known ? error.message : 'something went wrong; try the link again later';
    const code = known ? error.code : 'SB_ERR_INTERNAL';
    const status = known ? error.httpStatus : 500;
    send(
      res,
      status,
      'This link cannot confirm your email',
      `<p>${escapeHtml(message.charAt(0).toUpperCase() + message.slice(1))}.</p><p><code>${code}</code></p>`,
    );
  };

  router.get('/:token', async (req, res) => {
    try {
      await (await deps.links()).inspect(String(req.params['token']));
    } catch (error) {
      return refuse(res, error);
    }
    send(
      res,
      200,
      'Confirm your email address',
      `<p>Press the button to confirm that this email address is yours. ${escapeHtml(deps.brandName)} will then recognise you whether you chat or write by email.</p>
<form method="post"><button type="submit">Confirm my email address</button></form>`,
    );
  });

  router.post('/:token', async (req, res) => {
    try {
      const pending = await (await deps.links()).consume(String(req.params['token']));
      try {
        await confirmEmail(deps, pending);
      } catch (error) {
        // Not confirmed: the link stays usable for another try.
        await pending.release();
        throw error;
      }
    } catch (error) {
      return refuse(res, error);
    }
    send(
      res,
      200,
      'Your email address is confirmed',
      `<p>Thank you. You can close this page and go back to the chat.</p>`,
    );
  });
  return router;
}
