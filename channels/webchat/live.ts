import type { Redis } from 'ioredis';
import type { Activity } from './transcript.ts';

/** What a conversation's pub/sub channel says: "read the stream again", or a passing activity. */
export type LiveSignal = { kind: 'appended' } | { kind: 'ephemeral'; activity: Activity };

type Listener = (signal: LiveSignal) => void;

/**
 * One Redis subscriber connection per api process, shared by all the WebSockets it holds: a
 * conversation's channel is subscribed while at least one socket listens to it. After the
 * subscriber reconnects, every listener is told to read again (a signal sent meanwhile is lost,
 * the stream is not).
 */
export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The subscription of each listened-to conversation, resolved once Redis confirmed it. */
  private readonly subscribed = new Map<string, Promise<unknown>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly channelOf: (conversationId: string) => string,
    private readonly prefix: string,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(prefix)) return;
      const set = this.listeners.get(channel.slice(prefix.length));
      if (!set) return;
      const signal = parseSignal(message);
      if (signal) for (const listener of set) listener(signal);
    });
    let connectedOnce = false;
    subscriber.on('ready', () => {
      if (connectedOnce) this.broadcast({ kind: 'appended' });
      connectedOnce = true;
    });
  }

  /** Listens to a conversation until the returned function is called. */
  async listen(conversationId: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(conversationId);
    if (!set) {
      set = new Set();
      this.listeners.set(conversationId, set);
    }
    set.add(listener);
    let subscription = this.subscribed.get(conversationId);
    if (!subscription) {
      subscription = this.subscriber.subscribe(this.channelOf(conversationId));
      this.subscribed.set(conversationId, subscription);
    }
    const stop = () => {
      const current = this.listeners.get(conversationId);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(conversationId);
      this.subscribed.delete(conversationId);
      this.subscriber.unsubscribe(this.channelOf(conversationId)).catch(() => undefined);
    };
    try {
      await subscription;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  private broadcast(signal: LiveSignal): void {
    for (const set of this.listeners.values()) for (const listener of set) listener(signal);
  }

  close(): void {
    this.listeners.clear();
    this.subscribed.clear();
    this.subscriber.disconnect();
  }
}

/** A stream id means "appended"; a JSON object is an ephemeral activity. */
function parseSignal(message: string): LiveSignal | undefined {
  if (!message.startsWith('{')) return { kind: 'appended' };
  try {
    return { kind: 'ephemeral', activity: JSON.parse(message) as Activity };
  } catch {
    return undefined;
  }
}
