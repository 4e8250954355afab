import type { Redis } from 'ioredis';
import { SwitchboardError } from '../../src/domain/errors.ts';

/** A Bot Framework activity as stored and sent to Web Chat (already validated on the way in). */
export type Activity = Record<string, unknown> & { id: string; type: string };

/** Activities after a watermark, and the watermark to ask from next (Direct Line's activity set). */
export interface ActivityPage {
  activities: Activity[];
  watermark: string;
}

/** What a conversation remembers besides its activities. */
export interface ConversationMeta {
  userId: string;
  createdAt: string;
}

/** A watermark is a Redis stream id (`<ms>-<seq>`); empty means "from the beginning". */
const WATERMARK = /^\d{1,20}-\d{1,20}$/;

/** A valid watermark or '' (from the start); anything else is a 400 naming the parameter. */
export function parseWatermark(value: unknown): string {
  if (value === undefined || value === '') return '';
  if (typeof value === 'string' && WATERMARK.test(value)) return value;
  throw new SwitchboardError('SB_ERR_VALIDATION', 'watermark: not a watermark this service gave', {
    field: 'watermark',
  });
}

// Appends an activity unless one with its id is there already, trims the stream, renews the
// expiry and wakes the conversation's sockets, in one step. Returns the stream id (the watermark
// just after the activity) and whether it was appended now.
// KEYS: log, ids, meta. ARGV: activity id, json, max entries, ttl seconds, pub/sub channel.
const APPEND_ONCE = `
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then return {existing, 0} end
local sid = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'a', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], sid)
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
redis.call('PUBLISH', ARGV[5], sid)
return {sid, 1}
`;

// The activity id already given to a client's activity id, or the candidate, remembered now.
// KEYS: clients. ARGV: client activity id, candidate id, ttl seconds.
const RESERVE_ID = `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then return existing end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return ARGV[2]
`;

/**
 * The Redis keys of one conversation's transcript. One hash tag per conversation, so a
 * conversation's keys live in one slot (Redis Cluster) and its scripts may touch them together.
 */
export function transcriptKeys(prefix: string, conversationId: string) {
  const base = `${prefix}:webchat:{${conversationId}}`;
  return {
    meta: `${base}:meta`,
    log: `${base}:log`,
    ids: `${base}:ids`,
    clients: `${base}:clients`,
  };
}

/**
 * Conversations and their activities in Redis, shared by every api and worker process: one
 * stream per conversation (the stream id is the Direct Line watermark), an id index that makes
 * appends idempotent, and a pub/sub channel per conversation that tells whichever process holds
 * the visitor's WebSocket that something new is there. Keys of one conversation share a hash tag,
 * so the scripts also run on Redis Cluster.
 */
export class RedisTranscript {
  constructor(
    private readonly redis: Redis,
    private readonly options: { prefix: string; ttlSeconds: number; maxActivities: number },
  ) {}

  private keys(conversationId: string) {
    return transcriptKeys(this.options.prefix, conversationId);
  }

  /** The pub/sub channel that announces new activities of a conversation. */
  liveChannel(conversationId: string): string {
    return `${this.options.prefix}:webchat:live:${conversationId}`;
  }

  /** Prefix of every live channel (for pattern subscriptions and parsing). */
  get livePrefix(): string {
    return `${this.options.prefix}:webchat:live:`;
  }

  async create(conversationId: string, meta: ConversationMeta): Promise<void> {
    const { meta: key } = this.keys(conversationId);
    await this.redis
      .multi()
      .hset(key, { userId: meta.userId, createdAt: meta.createdAt })
      .expire(key, this.options.ttlSeconds)
      .exec();
  }

  /** The conversation, or undefined once its history expired (or it never existed). */
  async get(conversationId: string): Promise<ConversationMeta | undefined> {
    const fields = await this.redis.hgetall(this.keys(conversationId).meta);
    const { userId, createdAt } = fields;
    return userId === undefined || createdAt === undefined ? undefined : { userId, createdAt };
  }

  /**
   * The activity id for a client's activity id (Web Chat's `clientActivityID`): the candidate the
   * first time, the same id on every retry of that post.
   */
  async reserveId(conversationId: string, clientId: string, candidate: string): Promise<string> {
    const result = await this.redis.eval(
      RESERVE_ID,
      1,
      this.keys(conversationId).clients,
      clientId,
      candidate,
      this.options.ttlSeconds,
    );
    return String(result);
  }

  /** Appends the activity unless its id is already there; returns its watermark. */
  async append(
    conversationId: string,
    activity: Activity,
  ): Promise<{ watermark: string; appended: boolean }> {
    const keys = this.keys(conversationId);
    const result = (await this.redis.eval(
      APPEND_ONCE,
      3,
      keys.log,
      keys.ids,
      keys.meta,
      activity.id,
      JSON.stringify(activity),
      this.options.maxActivities,
      this.options.ttlSeconds,
      this.liveChannel(conversationId),
    )) as [string, number];
    return { watermark: result[0], appended: result[1] === 1 };
  }

  /** Whether an activity with this id is in the conversation's history (its watermark if so). */
  async has(conversationId: string, activityId: string): Promise<string | undefined> {
    const sid = await this.redis.hget(this.keys(conversationId).ids, activityId);
    return sid ?? undefined;
  }

  /** Up to `limit` activities after the watermark ('' = from the start), oldest first. */
  async after(conversationId: string, watermark: string, limit = 500): Promise<ActivityPage> {
    const start = watermark === '' ? '-' : `(${watermark}`;
    const entries = await this.redis.xrange(
      this.keys(conversationId).log,
      start,
      '+',
      'COUNT',
      limit,
    );
    const activities: Activity[] = [];
    let last = watermark;
    for (const [id, fields] of entries) {
      last = id;
      const json = fields[1];
      if (json !== undefined) activities.push(JSON.parse(json) as Activity);
    }
    return { activities, watermark: last };
  }

  /** Sends an activity that is not kept (a typing indicator) to the conversation's sockets. */
  async publishEphemeral(conversationId: string, activity: Activity): Promise<void> {
    await this.redis.publish(this.liveChannel(conversationId), JSON.stringify(activity));
  }
}
