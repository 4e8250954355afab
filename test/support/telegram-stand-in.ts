/**
 * A local HTTP server standing in for Telegram's Bot API, enough of it for the channel's real
 * client (grammY's `Api`, pointed here through `apiRoot`): `POST /bot<token>/sendMessage` with a
 * JSON body, answered as Telegram answers (`{ ok: true, result: Message }`, or `{ ok: false,
 * error_code, description, parameters? }` with the same HTTP status).
 * https://core.telegram.org/bots/api#making-requests
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './close-server.ts';

/** One call the stand-in received. */
export interface BotApiCall {
  method: string;
  /** The token in the path (`/bot<token>/<method>`). */
  token: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The HTTP status answered. */
  status: number;
}

/** A planned failure for the next call: Telegram's error fields. `drop` resets the connection. */
export type PlannedFailure =
  { status: number; description: string; retryAfter?: number } | { drop: true };

/** Shortcuts for the failures the channel must tell apart. */
export const FAILURES = {
  floodControl: (retryAfter = 7): PlannedFailure => ({
    status: 429,
    description: `Too Many Requests: retry after ${retryAfter}`,
    retryAfter,
  }),
  blocked: (): PlannedFailure => ({
    status: 403,
    description: 'Forbidden: bot was blocked by the user',
  }),
  chatNotFound: (): PlannedFailure => ({ status: 400, description: 'Bad Request: chat not found' }),
  serverError: (): PlannedFailure => ({ status: 502, description: 'Bad Gateway' }),
} as const;

export class TelegramStandIn {
  readonly calls: BotApiCall[] = [];
  private readonly failures: PlannedFailure[] = [];
  private server: Server | undefined;
  private nextMessageId = 1000;

  /** Only this token is accepted (401 otherwise, as Telegram answers a wrong token). */
  constructor(readonly token: string) {}

  /** The base URL to give as TELEGRAM_API_URL (grammY's `apiRoot`). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    return `http://127.0.0.1:${address?.port ?? 0}`;
  }

  /** The next calls fail this way, in order; then they succeed again. */
  fail(...failures: PlannedFailure[]): void {
    this.failures.push(...failures);
  }

  /** The texts sent to one chat, in order (successful sends only). */
  sentTo(chatId: number | string): string[] {
    return this.calls
      .filter(
        (c) =>
          c.method === 'sendMessage' &&
          c.status === 200 &&
          String(c.body['chat_id']) === String(chatId),
      )
      .map((c) => String(c.body['text']));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
        const answer = (status: number, payload: Record<string, unknown>): void => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        };
        if (req.method !== 'POST' || match === null) {
          answer(404, { ok: false, error_code: 404, description: 'Not Found' });
          return;
        }
        const [, token = '', method = ''] = match;
        let body: Record<string, unknown> = {};
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
        } catch {
          answer(400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
          return;
        }
        const record = (status: number): void => {
          this.calls.push({ method, token, headers: req.headers, body, status });
        };
        if (token !== this.token) {
          record(401);
          answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });
          return;
        }
        const failure = this.failures.shift();
        if (failure !== undefined) {
          if ('drop' in failure) {
            record(0);
            req.socket.destroy();
            return;
          }
          record(failure.status);
          answer(failure.status, {
            ok: false,
            error_code: failure.status,
            description: failure.description,
            ...(failure.retryAfter === undefined
              ? {}
              : { parameters: { retry_after: failure.retryAfter } }),
          });
          return;
        }
        if (method !== 'sendMessage') {
          record(404);
          answer(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
          return;
        }
        const chatId = Number(body['chat_id']);
        const text = typeof body['text'] === 'string' ? body['text'] : '';
        if (!Number.isSafeInteger(chatId)) {
          record(400);
          answer(400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
          return;
        }
        if (text.trim() === '' || text.length > 4096) {
          record(400);
          answer(400, {
            ok: false,
            error_code: 400,
            description:
              text.length > 4096
                ? 'Bad Request: message is too long'
                : 'Bad Request: message text is empty',
          });
          return;
        }
        record(200);
        this.nextMessageId += 1;
        answer(200, {
          ok: true,
          result: {
            message_id: this.nextMessageId,
            date: Math.floor(Date.now() / 1000),
            chat: { id: chatId, type: 'private' },
            from: { id: Number(this.token.split(':')[0]), is_bot: true, first_name: 'Switchboard' },
            text,
          },
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
