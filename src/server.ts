import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Responder } from './domain/ports.ts';
import { createGateway, type Gateway, type Role } from './app.ts';
import { stopAllManagedProcesses } from './local/managed-process.ts';
import { resolveInfrastructure, type Infrastructure } from './runtime.ts';
import { isStoreUnreachable } from './unreachable.ts';
import { SEED_ARTICLES_DIR } from '../knowledge/folder.ts';

/** The signals that ask a gateway to stop (SIGHUP: its terminal closed). */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs a gateway process until SIGTERM/SIGINT/SIGHUP, then shuts down in order: stop accepting
 * connections, drain the workers' active jobs, close connections, and only then stop the local
 * servers (they run in their own process group, so a Ctrl-C reaches only this process). Every
 * local server started is stopped on every way out: a signal while starting, a start that
 * fails, a shutdown past its deadline; on a fatal error, process.exit's hook stops them.
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

  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let infrastructure: Infrastructure | undefined;
  let gateway: Gateway | undefined;
  let server: Server | undefined;
  let detachSockets = (): void => undefined;

  const stopLocalServers = async (): Promise<void> => {
    await infrastructure?.stop();
    // Those a stop while starting caught before resolveInfrastructure returned.
    await stopAllManagedProcesses();
  };
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (phase === 'stopping') {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    const wasRunning = phase === 'running';
    phase = 'stopping';
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; stopping the local servers and exiting');
      void stopAllManagedProcesses().finally(() => process.exit(1));
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    if (wasRunning) {
      // Open WebSockets (web chat) would keep server.close waiting: close them first.
      detachSockets();
      await closeServer(server);
      await gateway?.stop();
    }
    await stopLocalServers();
    logger.info('stopped');
    process.exit(0);
  };
  // Listening from the very first moment: a Ctrl-C while the servers start stops them too.
  for (const name of STOP_SIGNALS) process.on(name, () => void shutdown(name));

  try {
    infrastructure = await resolveInfrastructure(config, {
      announce: true,
      log: (message) => logger.info(message),
    });
    if (phase !== 'starting') return;
    gateway = await createGateway({
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
    if (phase !== 'starting') return;
    if (gateway.http) {
      server = await listen(createServer(gateway.http), config);
      detachSockets = gateway.attachServer(server);
      logger.info({ role, url: `http://${config.HOST}:${config.PORT}` }, 'switchboard listening');
    } else {
      logger.info({ role }, 'switchboard worker running');
    }
    phase = 'running';
  } catch (error) {
    // A stop requested meanwhile owns the exit; otherwise undo what started, then report.
    if (phase !== 'starting') return;
    phase = 'stopping';
    await closeServer(server);
    await gateway?.stop().catch((stopError: unknown) => {
      logger.warn({ err: stopError }, 'stopping the half-started gateway failed');
    });
    await stopLocalServers();
    throw error;
  }
}

/** Listens, rejecting on a port in use (Express's app.listen would leave that unheard). */
function listen(server: Server, config: Pick<Config, 'PORT' | 'HOST'>): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
