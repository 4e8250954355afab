import { Router } from 'express';
import { SwitchboardError } from '../domain/errors.ts';
import type { PoolAttachments } from '../pool/attachments.ts';

/** `filename*` of RFC 6266 / 5987: any name, UTF-8, percent-encoded. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The admin API's attachment endpoint, mounted at /api/v1/attachments behind admin auth:
 * `GET /:id` answers the stored bytes (ids are in a message's `channelData.attachments`). Always
 * as a download, never rendered: customer content must not run as a page of our origin.
 */
export function attachmentsApiRouter(deps: { attachments: PoolAttachments }): Router {
  const router = Router();
  router.get('/:id', async (req, res) => {
    const id = req.params['id'];
    if (typeof id !== 'string' || id.length === 0 || id.length > 600) {
      throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such attachment');
    }
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
