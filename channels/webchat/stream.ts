import type { VisitorPresence } from './presence.ts';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { isSwitchboardError } from '../../src/domain/errors.ts';
import type { DirectLineService } from './directline.ts';
import type { LiveHub } from './live.ts';
import { parseWatermark } from './transcript.ts';
import { bearerToken } from './verify.ts';

/** `/v3/directline/conversations/<id>/stream` */
const STREAM_PATH = /^\/v3\/directline\/conversations\/([A-Za-z0-9_-]{1,64})\/stream$/;

/** How often the server pings each socket; one without a pong by the next ping is dropped. */
const PING_INTERVAL_MS = 30_000;

/** Refuses an upgrade with a plain HTTP answer (the socket never becomes a WebSocket). */
function refuse(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ error: { message: reason } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : status === 400 ? 'Bad Request' : 'Service Unavailable'}\r\n` +
      'Content-Type: application/json\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The Direct Line WebSocket stream: after checking the token (query `t`, as Direct Line's
 * streamUrl carries it, or an Authorization header), the socket gets every activity after its
 * watermark and then each new one, as `{"activities":[...],"watermark":"..."}` text frames. New
 * activities are read from the shared transcript whenever the conversation's pub/sub channel
 * signals, one read at a time per socket, so nothing is sent twice or out of order whichever
 * process appended it. Typing indicators pass through without a watermark. What the client sends
 * (Web Chat's empty keep-alive strings) is ignored.
 */
/**
 * Open streams one conversation may hold in a process: a visitor with a few tabs, not a client
 * that opens sockets until the server runs out of them.
 */
export const MAX_STREAMS_PER_CONVERSATION = 4;

export class DirectLineStream {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  private readonly open = new Map<string, number>();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly service: DirectLineService,
    private readonly hub: LiveHub,
    private readonly logger?: Logger,
    private readonly presence?: VisitorPresence,
  ) {
    const alive = new WeakMap<WebSocket, boolean>();
    this.wss.on('connection', (ws) => {
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
    });
    this.pinger = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (alive.get(ws) === false) {
          ws.terminate();
          continue;
        }
        alive.set(ws, false);
        ws.ping();
      }
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** Handles the upgrade if it is for a Direct Line stream; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = STREAM_PATH.exec(url.pathname);
    if (!match?.[1]) return false;
    const conversationId = match[1];
    socket.on('error', () => socket.destroy());
    void this.accept(req, socket, head, conversationId, url);
    return true;
  }

  private async accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    conversationId: string,
    url: URL,
  ): Promise<void> {
    let watermark: string;
    try {
      const token = url.searchParams.get('t') ?? bearerToken(req.headers.authorization);
      await this.service.open(token ?? undefined, conversationId);
      watermark = parseWatermark(url.searchParams.get('watermark') ?? '');
    } catch (error) {
      const status = isSwitchboardError(error) ? error.httpStatus : 503;
      refuse(socket, status, error instanceof Error ? error.message : 'refused');
      return;
    }
    const open = this.open.get(conversationId) ?? 0;
    if (open >= MAX_STREAMS_PER_CONVERSATION) {
      refuse(socket, 429, `at most ${MAX_STREAMS_PER_CONVERSATION} open streams per conversation`);
      return;
    }
    this.open.set(conversationId, open + 1);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('close', () => {
        const left = (this.open.get(conversationId) ?? 1) - 1;
        if (left > 0) this.open.set(conversationId, left);
        else this.open.delete(conversationId);
      });
      this.wss.emit('connection', ws, req);
      void this.serve(ws, conversationId, watermark);
    });
  }

  private async serve(ws: WebSocket, conversationId: string, from: string): Promise<void> {
    let watermark = from;
    let reading: Promise<void> = Promise.resolve();
    const send = (frame: unknown) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    };
    const readNew = () => {
      reading = reading.then(async () => {
        try {
          const page = await this.service.activities(
            { conversationId, userId: '', expiresAt: 0 },
            watermark,
          );
          watermark = page.watermark;
          if (page.activities.length > 0) send(page);
        } catch (error) {
          this.logger?.warn({ err: error }, 'web chat stream read failed');
          ws.close(1011, 'transcript unavailable');
        }
      });
    };
    ws.on('message', () => undefined);
    let stop: (() => void) | undefined;
    // An open stream is a visitor on the page (presence.ts): answers reach them here.
    const present = this.presence?.whileOpen(conversationId, (error) =>
      this.logger?.warn({ err: error }, 'web chat presence not recorded'),
    );
    ws.on('close', () => {
      present?.();
      stop?.();
    });
    try {
      stop = await this.hub.listen(conversationId, (signal) => {
        if (signal.kind === 'ephemeral') send({ activities: [signal.activity] });
        else readNew();
      });
      if (ws.readyState !== WebSocket.OPEN) stop();
    } catch (error) {
      this.logger?.warn({ err: error }, 'web chat stream subscription failed');
      ws.close(1011, 'live updates unavailable');
      return;
    }
    readNew();
  }

  /** Closes every socket (clients reconnect elsewhere) and stops pinging. */
  close(): void {
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
