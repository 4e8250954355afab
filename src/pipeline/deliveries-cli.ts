/**
 * `switchboard deliveries failed|resend`: the outbound messages that did not reach their customer,
 * and sending them again once the cause is fixed (a callback receiver that was down, a gateway
 * that ran without API_CALLBACK_ALLOW_PRIVATE for a local receiver). The admin API has the same
 * (`/api/v1/admin/deliveries`).
 */
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { loadConfig } from '../config.ts';
import { isSwitchboardError } from '../domain/errors.ts';
import { TicketPool } from '../pool/pool.ts';
import { resolveInfrastructure } from '../runtime.ts';
import { createQueues } from './queues.ts';
import { listFailedDeliveries, resendDelivery, type ResendDeps } from './resend.ts';

/** Runs `work` with the deployment's pool and outbound queue, then disconnects. */
async function withDeliveries<T>(work: (deps: ResendDeps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const infrastructure = await resolveInfrastructure(config, { announce: false });
  const pool = await TicketPool.connect(infrastructure.mongoUri, { dbName: config.MONGODB_DB });
  const redis = new Redis(infrastructure.redisUrl, { maxRetriesPerRequest: 1 });
  const queues = createQueues(redis, config);
  try {
    return await work({ models: pool.models, outbound: queues.outbound });
  } finally {
    await queues.close();
    redis.disconnect();
    await pool.close();
    await infrastructure.stop();
  }
}

/** Adds the `deliveries` command group to the program. */
export function registerDeliveryCommands(program: Command): void {
  const by = `cli:${process.env['USER'] ?? 'unknown'}`;
  const deliveries = program
    .command('deliveries')
    .description('outbound messages that failed to reach their customer');
  deliveries
    .command('failed')
    .description('list failed deliveries, newest first (ids, channels, errors; no message text)')
    .action(async () => {
      const list = await withDeliveries((deps) => listFailedDeliveries(deps));
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    });
  deliveries
    .command('resend')
    .description('send failed deliveries again (same message ids, a full set of attempts); audited')
    .argument('[messageIds...]', 'ids from `deliveries failed`')
    .option('--all', 'every failed delivery')
    .action(async (ids: string[], options: { all?: boolean }) => {
      if ((ids.length === 0) === !options.all) {
        throw new Error('give message ids or --all (one or the other)');
      }
      const refused = await withDeliveries(async (deps) => {
        const chosen = options.all
          ? (await listFailedDeliveries(deps)).map((d) => d.messageId)
          : ids;
        let failures = 0;
        for (const messageId of chosen) {
          try {
            await resendDelivery(deps, { messageId, by });
            process.stdout.write(`${messageId}: queued again\n`);
          } catch (error) {
            if (!isSwitchboardError(error)) throw error;
            failures += 1;
            process.stderr.write(`${messageId}: ${error.message}\n`);
          }
        }
        if (chosen.length === 0) process.stdout.write('no failed deliveries\n');
        return failures;
      });
      if (refused > 0) process.exitCode = 1;
    });
}
