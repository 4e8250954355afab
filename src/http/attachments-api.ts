import { Router } from 'express';
import { z } from 'zod';
import { pathParams } from '../admin/api/params.ts';
import { SwitchboardError } from '../domain/errors.ts';
import type { PoolAttachments } from '../pool/attachments.ts';

/** Where the router is mounted (src/app.ts, with the email channel), behind `ADMIN_TOKEN`. */
export const ATTACHMENTS_API_PATH = '/api/v1/attachments';

/**
 * `:id` of an attachment: `<channel>.<message id>.<index>`, 1 to 600 characters (a `/` in it
 * URL-encoded); any other id names nothing (404 `no such attachment`).
 */
export const AttachmentIdParams = z.object({
  id: z.string().min(1).max(600).meta({
    description:
      "An id of a message's `channelData.attachments` (`<channel>.<message id>.<index>`), URL-encoded.",
    example: 'email.CAF1x2y3@mail.example.com.0',
  }),
});

/** `filename*` of RFC 6266 / 5987: any name, UTF-8, percent-encoded. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The operator's attachment endpoint, mounted at /api/v1/attachments behind `ADMIN_TOKEN`
 * (src/http/admin-auth.ts): `GET /:id` answers the stored bytes (ids are in a message's
 * `channelData.attachments`). Always as a download, never rendered: customer content must not run
 * as a page of our origin. Described in the OpenAPI document (src/admin/openapi.ts) from the
 * schema above, which the route parses with.
 */
export function attachmentsApiRouter(deps: { attachments: PoolAttachments }): Router {
  const router = Router();
  router.get('/:id', async (req, res) => {
    const { id } = pathParams(AttachmentIdParams, req.params, 'attachment');
    const found = await deps.attachments.get(id);
    if (!found) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such attachment');
    const { meta, content } = found;
    if (content === undefined) {
      throw new SwitchboardError(
        'SB_ERR_ATTACHMENT_NOT_STORED',
        `attachment ${id} (${meta.name}, ${meta.size} bytes): content not stored: ` +
          `${meta.notStoredReason ?? 'unknown'}${meta.notStoredDetail ? ` (${meta.notStoredDetail})` : ''}`,
      );
    }
    res.setHeader('content-type', meta.contentType || 'application/octet-stream');
    res.setHeader('content-disposition', contentDisposition(meta.name));
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', "default-src 'none'; sandbox");
    res.setHeader('x-attachment-sha256', meta.sha256);
    res.send(content);
  });
  return router;
}
