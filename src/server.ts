import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Responder } from './domain/ports.ts';
import { createGateway, type Role } from './app.ts';
import { resolveInfrastructure } from './runtime.ts';
import { isStoreUnreachable } from './unreachable.ts';
import { SEED_ARTICLES_DIR } from '../knowledge/folder.ts';

/**
 * Runs a gateway process until SIGTERM/SIGINT, then shuts down in order: stop accepting
 * connections, drain the workers' active jobs, close connections, stop local servers.
 */
export async function runServer(options: {
  config: Config;
  role: Role;
  logger: Logger;
  responder?: Responder;
}): Promise<void> {
  const { config, logger, role } = options;
  // A background call (bookkeeping, a lease refresh, a publish) that fails while Redis or the
  // database restarts must not take the process down with its jobs: the fault drill saw a worker
  // die this way during a Redis restart. Anything else still ends the process, as Node would.
  process.on('unhandledRejection', (reason) => {
    if (isStoreUnreachable(reason)) {
      logger.warn({ err: reason }, 'a background call failed while a store was unreachable');
      return;
    }
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });
  const infrastructure = await resolveInfrastructure(config, {
    announce: true,
    log: (message) => logger.info(message),
  });
  const gateway = await createGateway({
    config,
    role,
    logger,
    mongoUri: infrastructure.mongoUri,
    redisUrl: infrastructure.redisUrl,
    // An empty knowledge base gets the seed articles (published) before the models are loaded.
    seedKnowledgeDir: config.KB_SEED_ON_START
      ? (config.KB_SEED_DIR ?? SEED_ARTICLES_DIR)
      : undefined,
    ...(options.responder ? { responder: options.responder } : {}),
  });
  let server: Server | undefined;
  let detachSockets = (): void => undefined;
  if (gateway.http) {
    const app = gateway.http;
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(config.PORT, config.HOST, () => resolve(listening));
    });
    detachSockets = gateway.attachServer(server);
    logger.info({ role, url: `http://${config.HOST}:${config.PORT}` }, 'switchboard listening');
  } else {
    logger.info({ role }, 'switchboard worker running');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    // Open WebSockets (web chat) would keep server.close waiting: close them first.
    detachSockets();
    await new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await gateway.stop();
    await infrastructure.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
