import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { describeCallback, startDevReceiver } from '../channels/api/dev-receiver.ts';
import { registerDeliveryCommands } from './pipeline/deliveries-cli.ts';
import { loadConfig } from './config.ts';
import { checkConfiguration } from './config-check.ts';
import { createLogger } from './logger.ts';
import { TicketPool } from './pool/pool.ts';
import { withCliPool } from './cli-pool.ts';
import {
  listIntegrations,
  rotateIntegrationKey,
  setIntegrationDisabled,
} from './integrations/store.ts';
import { resolveInfrastructure } from './runtime.ts';
import { runServer } from './server.ts';
import type { Role } from './app.ts';
import { registerKbCommands } from './nlu/kb-commands.ts';
import { registerAdminCommands } from './admin/cli.ts';
import { registerAgentCommands } from './desk/cli.ts';
import { registerTeamCommands } from './desk/team-cli.ts';
import { createIntegration } from './integrations/store.ts';

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
    // Every variable, the channels' too, before a single local server starts.
    const config = await checkConfiguration();
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
  .option(
    '--verifies-identities',
    "its customers' emails and phones are proven (signed-in users): they link contacts",
  )
  .action(async (options: { name: string; callbackUrl?: string; verifiesIdentities?: boolean }) => {
    if (options.callbackUrl !== undefined && !URL.canParse(options.callbackUrl)) {
      throw new Error(`--callback-url: not a URL: ${options.callbackUrl}`);
    }
    const config = loadConfig();
    const infrastructure = await resolveInfrastructure(config, { announce: false });
    const pool = await TicketPool.connect(infrastructure.mongoUri, { dbName: config.MONGODB_DB });
    try {
      const created = await createIntegration(pool.models, {
        name: options.name,
        callbackUrl: options.callbackUrl,
        verifiesIdentities: options.verifiesIdentities === true,
      });
      process.stdout.write(
        `${JSON.stringify(
          {
            id: String(created.integration._id),
            name: options.name,
            apiKey: created.apiKey,
            webhookSecret: created.webhookSecret,
            callbackUrl: options.callbackUrl ?? null,
            verifiesIdentities: options.verifiesIdentities === true,
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

const by = `cli:${process.env['USER'] ?? 'unknown'}`;
integration
  .command('list')
  .description('list integrations (ids, names, callback URLs, whether disabled)')
  .action(async () => {
    const list = await withCliPool((pool) => listIntegrations(pool.models));
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  });
for (const [name, disabled, what] of [
  ['disable', true, 'refuse its key and send it nothing'],
  ['enable', false, 'accept its key and send it callbacks again'],
] as const) {
  integration
    .command(name)
    .description(`${name} an integration: ${what}`)
    .argument('<id>', 'the integration id (`integration list`)')
    .action(async (id: string) => {
      const view = await withCliPool((pool, services) =>
        setIntegrationDisabled(pool.models, { id, disabled, by }, services.redis()),
      );
      process.stdout.write(
        `${view.name} (${view.id}) is ${view.disabled ? 'disabled' : 'enabled'}\n`,
      );
    });
}
integration
  .command('rotate')
  .description('new API key and webhook secret for an integration; the old key stops at once')
  .argument('<id>', 'the integration id (`integration list`)')
  .action(async (id: string) => {
    const rotated = await withCliPool((pool, services) =>
      rotateIntegrationKey(pool.models, { id, by }, services.redis()),
    );
    process.stdout.write(
      `${JSON.stringify({ id, apiKey: rotated.apiKey, webhookSecret: rotated.webhookSecret }, null, 2)}\n`,
    );
    process.stderr.write('Store the API key now: only its hash is kept.\n');
  });

program
  .command('dev-receiver')
  .description(
    "print the API channel's callbacks on this machine, checking their signatures (needs the gateway started with API_CALLBACK_ALLOW_PRIVATE=true)",
  )
  .option('--port <port>', 'port to listen on', '4000')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--secret <webhookSecret>', "the integration's webhook secret")
  .option(
    '--integration-file <file>',
    'or: a JSON file with its webhookSecret (what `integration create` printed)',
  )
  .action(
    async (options: { port: string; host: string; secret?: string; integrationFile?: string }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 1 || port > 65_535) {
        throw new Error(`--port: not a port: ${options.port}`);
      }
      const secret = options.secret ?? readWebhookSecret(options.integrationFile);
      const server = await startDevReceiver({
        port,
        host: options.host,
        secret,
        onCallback: (callback) => process.stdout.write(describeCallback(callback)),
      });
      process.stdout.write(
        `listening on http://${options.host}:${port}; ${secret === undefined ? 'signatures NOT checked (give --secret)' : 'signatures checked'}; Ctrl-C stops\n`,
      );
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => server.close(() => process.exit(0)));
    },
  );

/** The webhookSecret of an `integration create` output file, or undefined without a file. */
function readWebhookSecret(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const parsed = z
    .object({ webhookSecret: z.string().min(1) })
    .safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`--integration-file: no webhookSecret in ${file}`);
  return parsed.data.webhookSecret;
}

registerKbCommands(program);
registerDeliveryCommands(program);
registerAdminCommands(program);
registerAgentCommands(program);
registerTeamCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
