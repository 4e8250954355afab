import { randomBytes } from 'node:crypto';
import request from 'supertest';
import WebSocket from 'ws';
import { waitFor } from '../../support/gateway.ts';

/** A Direct Line activity as the tests read it. */
export interface TestActivity {
  id: string;
  type: string;
  text?: string;
  from: { id: string; name?: string; role?: string };
  channelData?: Record<string, unknown>;
  attachments?: Array<{ contentType: string; contentUrl: string; name: string }>;
  conversation?: { id: string };
  suggestedActions?: {
    to: string[];
    actions: Array<{ type: string; title: string; value: unknown }>;
  };
}

export interface StartedConversation {
  conversationId: string;
  token: string;
  userId: string;
  streamUrl: string;
  expires_in: number;
}

/** A documentation-range address, different per call, so tests never share an IP's limits. */
let ipSeq = 0;
export function freshIp(): string {
  ipSeq += 1;
  return `198.51.100.${(ipSeq % 250) + 1}`;
}

/**
 * The calls Web Chat's Direct Line client makes (see NOTES "Web Chat and a self-hosted Direct
 * Line 3.0"), against a gateway on a real port. The app trusts loopback proxies, so X-Forwarded-For
 * sets the client address the rate limits see.
 */
export class DirectLineClient {
  constructor(readonly baseUrl: string) {}

  get domain(): string {
    return `${this.baseUrl}/v3/directline`;
  }

  async start(ip = freshIp()): Promise<StartedConversation> {
    const res = await request(this.baseUrl)
      .post('/v3/directline/tokens/generate')
      .set('x-forwarded-for', ip);
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as StartedConversation;
  }

  post(
    conversationId: string,
    token: string,
    activity: Record<string, unknown>,
    ip = '198.51.100.250',
  ) {
    return request(this.baseUrl)
      .post(`/v3/directline/conversations/${conversationId}/activities`)
      .set('authorization', `Bearer ${token}`)
      .set('x-forwarded-for', ip)
      .send(activity);
  }

  /** Posts a message as Web Chat does (with a clientActivityID); returns the response. */
  say(
    conversation: Pick<StartedConversation, 'conversationId' | 'token' | 'userId'>,
    text: string,
    options: { clientActivityID?: string; ip?: string } = {},
  ) {
    return this.post(
      conversation.conversationId,
      conversation.token,
      {
        type: 'message',
        text,
        from: { id: conversation.userId, role: 'user' },
        channelData: {
          clientActivityID: options.clientActivityID ?? randomBytes(6).toString('hex'),
          clientTimestamp: new Date().toISOString(),
        },
      },
      options.ip,
    );
  }

  activities(conversationId: string, token: string, watermark = '') {
    return request(this.baseUrl)
      .get(`/v3/directline/conversations/${conversationId}/activities`)
      .query({ watermark })
      .set('authorization', `Bearer ${token}`);
  }

  /** Polls GET /activities after the watermark until an activity matches. */
  async pollFor(
    conversationId: string,
    token: string,
    watermark: string,
    match: (a: TestActivity) => boolean,
    what: string,
  ): Promise<{ activity: TestActivity; watermark: string }> {
    return waitFor(
      async () => {
        const res = await this.activities(conversationId, token, watermark);
        const body = res.body as { activities: TestActivity[]; watermark: string };
        const activity = body.activities?.find(match);
        return activity ? { activity, watermark: body.watermark } : undefined;
      },
      { what, intervalMs: 100 },
    );
  }
}

/** A WebSocket on a Direct Line stream that keeps every frame it receives. */
export class StreamReader {
  readonly frames: Array<{ activities: TestActivity[]; watermark?: string }> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
      if (text !== '') this.frames.push(JSON.parse(text) as (typeof this.frames)[number]);
    });
  }

  static open(url: string): Promise<StreamReader> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const reader = new StreamReader(ws);
      ws.once('open', () => resolve(reader));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`refused with ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
  }

  get activities(): TestActivity[] {
    return this.frames.flatMap((f) => f.activities);
  }

  get watermark(): string | undefined {
    return this.frames.filter((f) => f.watermark !== undefined).at(-1)?.watermark;
  }

  waitFor(match: (a: TestActivity) => boolean, what: string): Promise<TestActivity> {
    return waitFor(() => this.activities.find(match), { what });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
