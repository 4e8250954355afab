/**
 * The servers under the drill, started so that each can be restarted in place: same port, same
 * data folder. Redis runs persistent (append-only file), as `npm start` runs it: a restart must
 * keep the queued jobs, or the drill would only measure a misconfiguration.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalDovecot, type LocalDovecot } from '../../src/local/dovecot.ts';
import { findFreePort } from '../../src/local/free-port.ts';
import { startLocalMongo, type LocalMongo } from '../../src/local/mongo-server.ts';
import { startLocalRedis, type LocalRedis } from '../../src/local/redis-server.ts';

export class DrillServers {
  private constructor(
    private readonly dir: string,
    private redis: LocalRedis,
    private readonly redisPort: number,
    private mongo: LocalMongo,
    private readonly mongoPort: number,
    readonly dovecot: LocalDovecot,
  ) {}

  static async start(dir: string, supportPassword: string): Promise<DrillServers> {
    const redisPort = await findFreePort();
    const mongoPort = await findFreePort();
    const redis = await startLocalRedis({
      dir: join(dir, 'redis'),
      persistent: true,
      port: redisPort,
    });
    const mongo = await startLocalMongo({
      dir: join(dir, 'mongo'),
      persistent: true,
      backend: process.env['LOCAL_FERRETDB_BACKEND'] === 'sqlite' ? 'sqlite' : 'postgresql',
      port: mongoPort,
    });
    const dovecot = await startLocalDovecot({
      users: [{ name: 'support', password: supportPassword }],
    });
    return new DrillServers(dir, redis, redisPort, mongo, mongoPort, dovecot);
  }

  get redisUrl(): string {
    return this.redis.url;
  }

  get mongoUrl(): string {
    return this.mongo.url;
  }

  /** Stops Redis (it writes its append-only file), waits `downMs`, starts it again in place. */
  async restartRedis(downMs: number): Promise<void> {
    await this.redis.process.stop();
    await sleep(downMs);
    this.redis = await startLocalRedis({
      dir: join(this.dir, 'redis'),
      persistent: true,
      port: this.redisPort,
    });
  }

  /** Stops the MongoDB-compatible server (and its storage), waits, starts it again in place. */
  async restartMongo(downMs: number): Promise<void> {
    await this.mongo.process.stop();
    await sleep(downMs);
    this.mongo = await startLocalMongo({
      dir: join(this.dir, 'mongo'),
      persistent: true,
      backend: process.env['LOCAL_FERRETDB_BACKEND'] === 'sqlite' ? 'sqlite' : 'postgresql',
      port: this.mongoPort,
    });
  }

  async stop(): Promise<void> {
    await this.dovecot.stop();
    await this.mongo.process.stop();
    await this.redis.process.stop();
  }
}
