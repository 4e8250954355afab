import express, { Router, type ErrorRequestHandler, type Request } from 'express';
import { addressKey } from '../../src/domain/address-key.ts';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { WebchatConfig } from './config.ts';
import type { ConversationGrant, DirectLineService, UploadedFile } from './directline.ts';
import { RateLimitedError } from './limits.ts';
import type { WebchatFileStore } from './ports.ts';
import { parseWatermark } from './transcript.ts';
import { bearerToken } from './verify.ts';
import { visitorOf } from './visitor-identity.ts';

export const DIRECT_LINE_PATH = '/v3/directline';
/** A token request holds at most a signed user or a pre-chat form: a few hundred bytes. */
const TOKEN_REQUEST_MAX_BYTES = 16 * 1024;

/** Host names a browser on this machine uses; nobody elsewhere can be sent to them. */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/**
 * The gateway's base URL as the browser reaches it, for stream, file and embed.js URLs: the
 * configured public URL (PUBLIC_URL or WEBCHAT_PUBLIC_URL). Never taken from a request's Host
 * header — a forged one would put an attacker's host in links and in the cacheable embed.js — save
 * on a gateway reached on this machine (development), where the Host can only name loopback.
 */
export function publicBaseUrl(config: WebchatConfig, req: Request): string {
  if (config.WEBCHAT_PUBLIC_URL !== undefined) return config.WEBCHAT_PUBLIC_URL;
  const host = req.get('host') ?? '';
  if (LOOPBACK_HOST.test(host)) return `${req.protocol}://${host}`;
  throw new SwitchboardError(
    'SB_ERR_VALIDATION',
    'Host: the web chat is served only on loopback until PUBLIC_URL is set to the address browsers use',
    { field: 'host' },
  );
}

/** True for the interfaces only this machine reaches (HOST). */
export function isLoopbackInterface(host: string): boolean {
  return LOOPBACK_HOST.test(host) || host === '::1';
}

function tokenOf(req: Request): string | undefined {
  return bearerToken(req.headers.authorization);
}

function ipOf(req: Request): string {
  // Counted by /64 for IPv6: one host usually holds the whole prefix.
  return addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/** Direct Line's conversation object: ids, token, lifetime and where the WebSocket stream is. */
function conversationBody(
  config: WebchatConfig,
  req: Request,
  grant: Pick<ConversationGrant, 'conversationId' | 'token' | 'expiresIn'> & { userId?: string },
  watermark: string,
) {
  const base = publicBaseUrl(config, req).replace(/^http/, 'ws');
  const query = new URLSearchParams({ watermark, t: grant.token });
  return {
    conversationId: grant.conversationId,
    token: grant.token,
    expires_in: grant.expiresIn,
    streamUrl: `${base}${DIRECT_LINE_PATH}/conversations/${grant.conversationId}/stream?${query.toString()}`,
    ...(grant.userId === undefined ? {} : { userId: grant.userId }),
  };
}

/** Multipart form data (Web Chat's upload) parsed by the platform's own Fetch implementation. */
async function parseUpload(
  req: Request,
  maxActivityBytes: number,
): Promise<{ activity: unknown; files: UploadedFile[] }> {
  const contentType = req.headers['content-type'] ?? '';
  if (!Buffer.isBuffer(req.body) || !/^multipart\/form-data/i.test(contentType)) {
    throw new SwitchboardError(
      'SB_ERR_UNSUPPORTED_MEDIA_TYPE',
      'an upload is multipart/form-data with "file" parts',
    );
  }
  let form: FormData;
  try {
    form = await new Request('http://upload.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      // A copy the Fetch types accept (the body is at most WEBCHAT_UPLOAD_MAX_BYTES + 64 KiB).
      body: Uint8Array.from(req.body),
    }).formData();
  } catch (error) {
    throw new SwitchboardError('SB_ERR_VALIDATION', 'file: the multipart body cannot be read', {
      field: 'file',
      cause: error,
    });
  }
  let activity: unknown;
  const activityPart = form.get('activity');
  if (activityPart !== null) {
    // The activity beside the files gets the limit of a plain activity: it is stored the same way.
    const size =
      typeof activityPart === 'string' ? Buffer.byteLength(activityPart) : activityPart.size;
    if (size > maxActivityBytes) {
      throw new SwitchboardError(
        'SB_ERR_PAYLOAD_TOO_LARGE',
        `activity: larger than ${maxActivityBytes} bytes`,
        { field: 'activity' },
      );
    }
    const json = typeof activityPart === 'string' ? activityPart : await activityPart.text();
    try {
      activity = JSON.parse(json) as unknown;
    } catch (error) {
      throw new SwitchboardError('SB_ERR_MALFORMED_JSON', 'activity: not valid JSON', {
        field: 'activity',
        cause: error,
      });
    }
  }
  const files: UploadedFile[] = [];
  for (const part of form.getAll('file')) {
    if (typeof part === 'string') continue;
    files.push({
      name: (part.name || 'file').slice(0, 255),
      contentType: part.type,
      data: Buffer.from(await part.arrayBuffer()),
    });
  }
  return { activity, files };
}

/**
 * The Direct Line 3.0 endpoints Web Chat calls (see NOTES "Web Chat and a self-hosted Direct
 * Line 3.0"), plus `POST /tokens/generate` for the chat page and `GET /files/:id` for uploads.
 * https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-direct-line-3-0-api-reference
 */
export function directLineRouter(deps: {
  config: WebchatConfig;
  service: DirectLineService;
  files: WebchatFileStore;
}): Router {
  const { config, service } = deps;
  const router = Router();
  const json = express.json({ limit: config.WEBCHAT_MAX_ACTIVITY_BYTES, type: () => true });
  const uploadLimit = config.WEBCHAT_UPLOAD_MAX_BYTES + 64 * 1024;
  const multipart = express.raw({ limit: uploadLimit, type: () => true });

  // Start: a new conversation and a token bound to it (what the chat page calls first). The body,
  // when there is one, names the visitor: a user the site signed, or the pre-chat form's fields.
  const identityJson = express.json({ limit: TOKEN_REQUEST_MAX_BYTES, type: () => true });
  const start: express.RequestHandler = async (req, res) => {
    const visitor = await visitorOf(req.body, config, new Date());
    const grant = await service.start(ipOf(req), visitor);
    res.status(201).json(conversationBody(config, req, grant, ''));
  };
  router.post(`${DIRECT_LINE_PATH}/tokens/generate`, identityJson, start);

  // Web Chat's first call with a token from /tokens/generate: the token's own conversation.
  router.post(`${DIRECT_LINE_PATH}/conversations`, async (req, res) => {
    const grant = await service.open(tokenOf(req));
    res.status(201).json(
      conversationBody(
        config,
        req,
        {
          ...grant,
          token: tokenOf(req) ?? '',
          expiresIn: grant.expiresAt - Math.floor(Date.now() / 1000),
        },
        '',
      ),
    );
  });

  router.post(`${DIRECT_LINE_PATH}/tokens/refresh`, async (req, res) => {
    const grant = await service.refresh(tokenOf(req));
    res.json({
      conversationId: grant.conversationId,
      token: grant.token,
      expires_in: grant.expiresIn,
    });
  });

  // Reconnect (after a dropped socket, or a reloaded page with a stored token).
  router.get(`${DIRECT_LINE_PATH}/conversations/:id`, async (req, res) => {
    const grant = await service.open(tokenOf(req), String(req.params['id']));
    const watermark = parseWatermark(req.query['watermark']);
    const token = tokenOf(req) ?? '';
    res.json(
      conversationBody(
        config,
        req,
        { ...grant, token, expiresIn: grant.expiresAt - Math.floor(Date.now() / 1000) },
        watermark,
      ),
    );
  });

  router.get(`${DIRECT_LINE_PATH}/conversations/:id/activities`, async (req, res) => {
    const grant = await service.open(tokenOf(req), String(req.params['id']));
    res.json(await service.activities(grant, parseWatermark(req.query['watermark'])));
  });

  router.post(`${DIRECT_LINE_PATH}/conversations/:id/activities`, async (req, res, next) => {
    // The token first: a stranger's body is never parsed.
    const grant = await service.open(tokenOf(req), String(req.params['id']));
    json(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error);
      service.post(grant, req.body, ipOf(req)).then((result) => res.json(result), next);
    });
  });

  router.post(`${DIRECT_LINE_PATH}/conversations/:id/upload`, async (req, res, next) => {
    const grant = await service.open(tokenOf(req), String(req.params['id']));
    multipart(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error);
      parseUpload(req, config.WEBCHAT_MAX_ACTIVITY_BYTES)
        .then((upload) =>
          service.upload(grant, { ...upload, baseUrl: publicBaseUrl(config, req) }, ipOf(req)),
        )
        .then((result) => res.json(result), next);
    });
  });

  // Uploaded files: the random id is the capability. Served inert (no sniffing, sandboxed).
  router.get(`${DIRECT_LINE_PATH}/files/:fileId`, async (req, res) => {
    const id = String(req.params['fileId']);
    const file = /^[A-Za-z0-9_-]{16,64}$/.test(id) ? await deps.files.get(id) : undefined;
    if (!file) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such file');
    const inline = /^image\/(png|jpeg|gif|webp)$/.test(file.contentType);
    res.setHeader('content-type', file.contentType);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', "default-src 'none'; sandbox");
    res.setHeader('cache-control', 'private, max-age=86400');
    res.setHeader(
      'content-disposition',
      `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    );
    res.send(file.data);
  });

  // Clear reasons for the limits, and Retry-After on 429; then the app's error handler answers.
  const explain: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (error instanceof RateLimitedError) {
      res.setHeader('retry-after', String(error.retryAfterSeconds));
    }
    const type = (error as { type?: unknown } | null)?.type;
    if (type === 'entity.too.large') {
      const upload = req.path.endsWith('/upload');
      const start = req.path.endsWith('/tokens/generate');
      return next(
        new SwitchboardError(
          'SB_ERR_PAYLOAD_TOO_LARGE',
          upload
            ? `the upload exceeds ${config.WEBCHAT_UPLOAD_MAX_BYTES} bytes`
            : start
              ? `the token request exceeds ${TOKEN_REQUEST_MAX_BYTES} bytes`
              : `the activity exceeds ${config.WEBCHAT_MAX_ACTIVITY_BYTES} bytes`,
        ),
      );
    }
    next(error);
  };
  router.use(DIRECT_LINE_PATH, explain);
  return router;
}
