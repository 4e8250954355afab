import { Router } from 'express';
import { z } from 'zod';
import { pathParams } from '../admin/api/params.ts';
import { SwitchboardError } from '../domain/errors.ts';
import type { PoolAttachments } from '../pool/attachments.ts';
import { routes, type AttachmentsApiOperation } from '../admin/routes.ts';

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
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The operator's attachments API: what attachmentsApiRouter mounts and the OpenAPI document
 * describes.
 */
const ATTACHMENTS_API = {
  download: {
    method: 'get',
    path: '/:id',
    summary: 'Download an attachment',
    description:
      "The stored bytes of an inbound message's attachment (ids in the message's `channelData.attachments`), always as a download, never rendered. 404 `SB_ERR_NOT_FOUND` for an id that names nothing; 404 `SB_ERR_ATTACHMENT_NOT_STORED` when only the metadata was kept (the message says why, e.g. `too-large`).",
    params: AttachmentIdParams,
    response: {
      description:
        'The attachment: the body is its bytes, `Content-Type` the one stored with it (`application/octet-stream` when none).',
      file: 'The stored bytes, in the stored content type.',
      headers: z.object({
        'content-disposition': z.string().meta({
          description:
            'Always `attachment`, with the stored file name: `filename` (ASCII, other characters as `_`) and `filename*` (RFC 5987, UTF-8).',
          example: `attachment; filename="Rechnung M_rz.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf`,
        }),
        'x-content-type-options': z.literal('nosniff'),
        'content-security-policy': z.literal("default-src 'none'; sandbox"),
        'x-attachment-sha256': z
          .string()
          .meta({ description: 'The SHA-256 of the bytes, in hex, as stored.' }),
      }),
    },
  },
} satisfies Record<string, AttachmentsApiOperation>;

/**
 * Every endpoint of the operator's attachments API, under ATTACHMENTS_API_PATH: always mounted,
 * since every channel may keep inbound attachments in the core's store.
 */
export const ATTACHMENTS_API_OPERATIONS: readonly AttachmentsApiOperation[] =
  Object.values(ATTACHMENTS_API);

/**
 * The operator's attachment endpoint, mounted at /api/v1/attachments behind `ADMIN_TOKEN`
 * (src/http/admin-auth.ts): `GET /:id` answers the stored bytes (ids are in a message's
 * `channelData.attachments`). Always as a download, never rendered: customer content must not run
 * as a page of our origin. Described in the OpenAPI document (src/admin/openapi.ts) from the
 * schema above, which the route parses with.
 */
export function attachmentsApiRouter(deps: { attachments: PoolAttachments }): Router {
  const router = Router();
  const route = routes(router);
  route(ATTACHMENTS_API.download, async (req, res) => {
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
