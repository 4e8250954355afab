/**
 * `switchboard admin create`: creates a console account (the first admin, typically) from the
 * command line. The password is read from standard input, never from an argument (arguments show
 * in `ps` and shell history).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { createAccount } from '../accounts/accounts.ts';
import { ADMIN_ROLES, type AdminRole } from '../accounts/models.ts';
import { TicketPool } from '../pool/pool.ts';
import { resolveInfrastructure } from '../runtime.ts';
import { PasswordSchema } from './api/accounts.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline belongs to `echo` / the terminal, not to the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Adds the `admin` command group to the program. */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('admin console accounts');
  admin
    .command('create')
    .description('create a console account; the password is read from standard input')
    .requiredOption('--email <email>', 'the sign-in email')
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .addOption(new Option('--role <role>', 'the role').choices([...ADMIN_ROLES]).default('admin'))
    .option('--password-stdin', 'read the password from standard input (the only way)', true)
    .action(async (options: { email: string; name?: string; role: AdminRole }) => {
      const email = z.string().trim().toLowerCase().email().safeParse(options.email);
      if (!email.success) throw new Error(`--email: not an email address: ${options.email}`);
      const password = PasswordSchema.safeParse(await readStdin());
      if (!password.success) {
        throw new Error(`password: ${password.error.issues[0]?.message ?? 'invalid'}`);
      }
      const config = loadConfig();
      const infrastructure = await resolveInfrastructure(config, { announce: false });
      const pool = await TicketPool.connect(infrastructure.mongoUri, { dbName: config.MONGODB_DB });
      try {
        const account = await createAccount(pool.models, {
          email: email.data,
          password: password.data,
          displayName: options.name ?? email.data.split('@')[0] ?? email.data,
          role: options.role,
          by: `cli:${process.env['USER'] ?? 'unknown'}`,
        });
        process.stdout.write(`created ${account.role} account ${account.email}\n`);
      } finally {
        await pool.close();
        await infrastructure.stop();
      }
    });
}
