import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { findFreePort } from '../../src/local/free-port.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { uniqueName, waitFor } from '../support/gateway.ts';
import { findIntegrationById, findIntegrationByKey } from '../../src/integrations/store.ts';

const run = promisify(execFile);
const dbName = uniqueName('sbcli');
const env = {
  ...process.env,
  MONGODB_URI: inject('mongoUrl'),
  REDIS_URL: inject('redisUrl'),
  MONGODB_DB: dbName,
  QUEUE_PREFIX: uniqueName('sbcli'),
  KB_SEED_ON_START: 'false',
  LOG_LEVEL: 'info',
};

afterAll(async () => {
  const pool = await TicketPool.connect(inject('mongoUrl'), { dbName });
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
});

describe('switchboard CLI', () => {
  describe('integration create', () => {
    it('prints the API key once and stores only its hash', async () => {
      const { stdout } = await run(
        process.execPath,
        ['bin/switchboard.js', 'integration', 'create', '--name', 'cli-shop'],
        { env },
      );
      const printed = JSON.parse(stdout) as { id: string; apiKey: string; webhookSecret: string };
      expect(printed.apiKey).toMatch(/^sbk_[0-9a-f]{12}_/);
      const pool = await TicketPool.connect(inject('mongoUrl'), { dbName });
      try {
        const stored = await findIntegrationById(pool.models, printed.id);
        expect(stored?.name).toBe('cli-shop');
        expect(JSON.stringify(stored)).not.toContain(printed.apiKey);
        expect(String((await findIntegrationByKey(pool.models, printed.apiKey))?._id)).toBe(
          printed.id,
        );
      } finally {
        await pool.close();
      }
    });

    it('marks an integration whose customers are signed in as verifying their identities', async () => {
      const { stdout } = await run(
        process.execPath,
        ['bin/switchboard.js', 'integration', 'create', '--name', 'app', '--verifies-identities'],
        { env },
      );
      const printed = JSON.parse(stdout) as { id: string; verifiesIdentities: boolean };
      expect(printed.verifiesIdentities).toBe(true);
      const pool = await TicketPool.connect(inject('mongoUrl'), { dbName });
      try {
        expect((await findIntegrationById(pool.models, printed.id))?.verifiesIdentities).toBe(true);
      } finally {
        await pool.close();
      }
    });

    it('refuses a callback URL that is not a URL, saying so', async () => {
      const result = await run(
        process.execPath,
        [
          'bin/switchboard.js',
          'integration',
          'create',
          '--name',
          'x',
          '--callback-url',
          'not a url',
        ],
        { env },
      ).catch((error: { code: number; stderr: string }) => error);
      expect(result).toMatchObject({ code: 1 });
      expect((result as { stderr: string }).stderr).toContain('--callback-url: not a URL');
    });
  });

  describe('start', () => {
    it('serves until SIGTERM, then shuts down cleanly with exit code 0', async () => {
      const port = await findFreePort();
      const child = spawn(process.execPath, ['bin/switchboard.js', 'start'], {
        env: { ...env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok,
        {
          timeoutMs: 60_000,
          what: 'the gateway to be ready',
        },
      );
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(output).toContain('"msg":"shutting down"');
      expect(output).toContain('"msg":"stopped"');
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    });
  });
});
