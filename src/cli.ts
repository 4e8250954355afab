import { Command, Option } from 'commander';
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { TicketPool } from './pool/pool.ts';
import { resolveInfrastructure } from './runtime.ts';
import { runServer } from './server.ts';
import type { Role } from './app.ts';
import { registerKbCommands } from './nlu/kb-commands.ts';
import { registerAdminCommands } from './admin/cli.ts';
import { registerAgentCommands } from './desk/cli.ts';

const program = new Command().name('switchboard').description('Omnichannel support gateway');

program
  .command('start')
  .description(
    'start the gateway (local MongoDB-compatible server and Redis when their URLs are unset)',
  )
  .addOption(
    new Option('--role <role>', 'which part to run')
      .choices(['api', 'worker', 'all'])
      .default('all'),
  )
  .action(async (options: { role: Role }) => {
    const config = loadConfig();
    await runServer({
      config,
      role: options.role,
      logger: createLogger({ level: config.LOG_LEVEL }),
    });
  });

const integration = program.command('integration').description('API-channel integrations');
integration
  .command('create')
  .description('create an integration and print its API key and webhook secret (shown once)')
  .requiredOption('--name <name>', 'a name for the integration')
  .option('--callback-url <url>', 'where replies are posted as signed webhooks')
  .action(async (options: { name: string; callbackUrl?: string }) => {
    if (options.callbackUrl !== undefined && !URL.canParse(options.callbackUrl)) {
      throw new Error(`--callback-url: not a URL: ${options.callbackUrl}`);
    }
    const config = loadConfig();
    const infrastructure = await resolveInfrastructure(config, { announce: false });
    const pool = await TicketPool.connect(infrastructure.mongoUri, { dbName: config.MONGODB_DB });
    try {
      const created = await pool.createIntegration({
        name: options.name,
        callbackUrl: options.callbackUrl,
      });
      process.stdout.write(
        `${JSON.stringify(
          {
            id: String(created.integration._id),
            name: options.name,
            apiKey: created.apiKey,
            webhookSecret: created.webhookSecret,
            callbackUrl: options.callbackUrl ?? null,
          },
          null,
          2,
        )}\n`,
      );
      process.stderr.write('Store the API key now: only its hash is kept.\n');
    } finally {
      await pool.close();
      await infrastructure.stop();
    }
  });

registerKbCommands(program);
registerAdminCommands(program);
registerAgentCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
