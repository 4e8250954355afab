import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../support/close-server.ts';

export interface SlackCall {
  method: string;
  token: string | undefined;
  args: Record<string, unknown>;
  /** When the call arrived (Date.now()). */
  at: number;
  /** The ts Slack gave the message (chat.postMessage). */
  ts?: string;
}

/** Form values the Web API client JSON-encodes (blocks, attachments) come back as objects. */
function decodeValue(value: string): unknown {
  if (/^[[{]/.test(value)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * A local HTTP server standing in for Slack's Web API (https://api.slack.com/web): the desk's
 * WebClient is pointed at it by its `slackApiUrl` option. It records every call and answers like
 * Slack ({ ok: true, channel, ts }); `rateLimitOnce` makes the next call of a method get 429 with
 * Retry-After, as Slack does (https://api.slack.com/apis/rate-limits).
 */
export class FakeSlack {
  /** The bot's messages Slack holds now (chat.postMessage adds, chat.delete removes). */
  readonly posted: Array<{ channel: string; ts: string; threadTs?: string }> = [];
  /** Slack user groups and their members, as usergroups.users.list answers them. */
  readonly usergroups = new Map<string, Set<string>>();
  readonly calls: SlackCall[] = [];
  /** Calls refused with 429, by method, and when. */
  readonly limited: string[] = [];
  readonly limitedAt: number[] = [];
  /** chat.postMessage to these channels answers `{ ok: false, error }`, as Slack does. */
  readonly failingChannels = new Map<string, string>();
  /** Profile emails users.info answers (`users:read.email`), by user id. */
  readonly emails = new Map<string, string>();
  /** Downloads of shared files: the path, the bearer token sent, and the answer's status. */
  readonly fileRequests: Array<{ path: string; token: string | undefined; status: number }> = [];
  private readonly files = new Map<
    string,
    { body: Buffer; mimetype: string; token: string; failures?: number | undefined }
  >();
  /**
   * Files the bot uploaded (files.uploadV2's three steps): what files.getUploadURLExternal was
   * told, the bytes POSTed to the upload URL (multipart field `body`, as the SDK sends them), and
   * the files.completeUploadExternal call that shared them, by file id.
   */
  readonly uploads = new Map<
    string,
    { filename: string; length: number; bytes?: Buffer; completed?: Record<string, unknown> }
  >();
  private readonly pendingLimits = new Map<string, number>();
  private server: Server | undefined;
  private seq = 0;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  rateLimitOnce(method: string, retryAfterSeconds = 1): void {
    this.pendingLimits.set(method, retryAfterSeconds);
  }

  /**
   * Serves a shared file as Slack does at its `url_private_download`: the bytes to a request with
   * the bot token, Slack's sign-in page (200, text/html) to anything else. `failures`: how many
   * requests first get 503, as a file server having a bad moment. Returns the URL.
   */
  serveFile(file: {
    id: string;
    name: string;
    body: Buffer;
    mimetype: string;
    token: string;
    failures?: number | undefined;
  }): string {
    const path = `/files-pri/T0001-${file.id}/download/${encodeURIComponent(file.name)}`;
    this.files.set(path, file);
    return `http://127.0.0.1:${this.port}${path}`;
  }

  private answerFile(path: string, token: string | undefined, res: ServerResponse): void {
    const file = this.files.get(path);
    const failing = (file?.failures ?? 0) > 0;
    const status = file === undefined ? 404 : failing ? 503 : 200;
    this.fileRequests.push({ path, token, status });
    if (file !== undefined && failing) {
      file.failures = (file.failures ?? 0) - 1;
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('try again');
    } else if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('file not found');
    } else if (token !== file.token) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><title>Sign in | Slack</title></html>');
    } else {
      res.writeHead(200, {
        'content-type': file.mimetype,
        'content-length': String(file.body.length),
      });
      res.end(file.body);
    }
  }

  /** The bytes of an upload, as Slack's upload URL takes them: 200 once received. */
  private async receiveUpload(
    url: string,
    contentType: string | undefined,
    chunks: Buffer[],
    res: ServerResponse,
  ): Promise<void> {
    const upload = this.uploads.get(url.replace(/^\/upload\//, '').split('?')[0] ?? '');
    const form = await new Response(Buffer.concat(chunks), {
      headers: { 'content-type': contentType ?? '' },
    })
      .formData()
      .catch(() => undefined);
    const body = form?.get('body');
    if (upload === undefined || !(body instanceof Blob)) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('bad upload');
      return;
    }
    upload.bytes = Buffer.from(await body.arrayBuffer());
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${upload.bytes.length}`);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if ((req.url ?? '').startsWith('/upload/')) {
          void this.receiveUpload(req.url ?? '', req.headers['content-type'], chunks, res);
          return;
        }
        if ((req.url ?? '').startsWith('/files-pri/')) {
          const path = (req.url ?? '').split('?')[0] ?? '';
          this.answerFile(path, req.headers.authorization?.replace(/^Bearer /, ''), res);
          return;
        }
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
        const raw = Buffer.concat(chunks).toString('utf8');
        const args: Record<string, unknown> = {};
        if ((req.headers['content-type'] ?? '').includes('application/json')) {
          Object.assign(args, raw ? (JSON.parse(raw) as Record<string, unknown>) : {});
        } else {
          for (const [key, value] of new URLSearchParams(raw)) args[key] = decodeValue(value);
        }
        const retryAfter = this.pendingLimits.get(method);
        res.setHeader('content-type', 'application/json');
        if (retryAfter !== undefined) {
          this.pendingLimits.delete(method);
          this.limited.push(method);
          this.limitedAt.push(Date.now());
          res.statusCode = 429;
          res.setHeader('retry-after', String(retryAfter));
          res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
          return;
        }
        const auth = req.headers.authorization;
        const call: SlackCall = {
          method,
          token: auth?.replace(/^Bearer /, ''),
          args,
          at: Date.now(),
        };
        this.calls.push(call);
        const answer = this.answer(method, args);
        if (typeof answer['ts'] === 'string') call.ts = answer['ts'];
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://acme.slack.com/',
          team: 'Acme',
          user: 'switchboard',
          team_id: 'T0001',
          user_id: 'UBOT0001',
          bot_id: 'BBOT0001',
        };
      case 'chat.postMessage': {
        const failure = this.failingChannels.get(String(args['channel']));
        if (failure) return { ok: false, error: failure };
        this.seq += 1;
        const ts = `1700000${String(this.seq).padStart(3, '0')}.000100`;
        this.posted.push({
          channel: String(args['channel']),
          ts,
          ...(args['thread_ts'] ? { threadTs: args['thread_ts'] as string } : {}),
        });
        return { ok: true, channel: args['channel'], ts, message: { ...args, ts } };
      }
      case 'chat.delete': {
        const at = this.posted.findIndex(
          (p) => p.channel === String(args['channel']) && p.ts === String(args['ts']),
        );
        if (at < 0) return { ok: false, error: 'message_not_found' };
        this.posted.splice(at, 1);
        return { ok: true, channel: args['channel'], ts: args['ts'] };
      }
      case 'conversations.replies': {
        const channel = String(args['channel']);
        const ts = String(args['ts']);
        const thread = this.posted.filter(
          (p) => p.channel === channel && (p.ts === ts || p.threadTs === ts),
        );
        return {
          ok: true,
          messages: thread.map((p) => ({ ts: p.ts, thread_ts: ts, bot_id: 'BBOT0001' })),
        };
      }
      case 'chat.update':
        return { ok: true, channel: args['channel'], ts: args['ts'], text: args['text'] };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1700999${String(++this.seq).padStart(3, '0')}.000200` };
      case 'users.info': {
        const id = String(args['user']);
        const name = `Agent ${id}`;
        const email = this.emails.get(id);
        return {
          ok: true,
          user: {
            id,
            name: id.toLowerCase(),
            real_name: name,
            profile: { display_name: name, ...(email === undefined ? {} : { email }) },
          },
        };
      }
      case 'usergroups.users.list': {
        const members = this.usergroups.get(String(args['usergroup']));
        return members === undefined
          ? { ok: false, error: 'no_such_subteam' }
          : { ok: true, users: [...members] };
      }
      case 'files.getUploadURLExternal': {
        const fileId = `F0UP${String(++this.seq).padStart(5, '0')}`;
        this.uploads.set(fileId, {
          filename: String(args['filename']),
          length: Number(args['length']),
        });
        return {
          ok: true,
          upload_url: `http://127.0.0.1:${this.port}/upload/${fileId}`,
          file_id: fileId,
        };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(args['files'])
          ? (args['files'] as Array<{ id?: unknown; title?: unknown }>)
          : [];
        // Slack refuses a file whose bytes never reached its upload URL.
        const known = files.map((f) => this.uploads.get(String(f.id)));
        if (known.some((u) => u?.bytes === undefined))
          return { ok: false, error: 'file_not_found' };
        for (const upload of known) if (upload) upload.completed = args;
        const channel = args['channel_id'];
        const threadTs = args['thread_ts'];
        if (typeof channel === 'string' && typeof threadTs === 'string') {
          this.seq += 1;
          const ts = `1700000${String(this.seq).padStart(3, '0')}.000300`;
          this.posted.push({ channel, ts, threadTs });
        }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'apps.connections.open':
        // Socket Mode's first call: refused like Slack refuses a revoked app-level token.
        return { ok: false, error: 'invalid_auth' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
