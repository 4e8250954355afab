import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/local/free-port.ts';
import { waitFor } from '../support/gateway.ts';

/**
 * The README's "Try it", run as a newcomer pastes it: its shell blocks, as written, in a fresh
 * copy of the project (no `data/`, no MONGODB_URI or REDIS_URL: the gateway starts its own
 * servers), each terminal a bash of its own. Only the two ports are swapped for free ones, and a
 * second question's id for the resend.
 */
const repo = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');

function tryItBlocks(): string[] {
  const start = readme.indexOf('### Try it\n');
  const end = readme.indexOf('\n## ', start);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

function blockWith(blocks: string[], text: string): string {
  const found = blocks.find((block) => block.includes(text));
  if (found === undefined) throw new Error(`no "Try it" block contains ${text}`);
  return found;
}

/** A fresh clone: the repository's files (linked), without its data folder. */
const clone = mkdtempSync(join(tmpdir(), 'sb-try-it-'));
for (const entry of readdirSync(repo))
  if (entry !== 'data' && entry !== '.git') symlinkSync(join(repo, entry), join(clone, entry));

const running: ChildProcess[] = [];
let gatewayPort = 0;
let receiverPort = 0;

function env(): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    ...(process.env['XDG_CACHE_HOME'] ? { XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'] } : {}),
    NO_UPDATE_NOTIFIER: '1',
    npm_config_update_notifier: 'false',
    PORT: String(gatewayPort),
    // One attempt: a callback to a receiver that is down fails at once (the resend case).
    OUTBOUND_ATTEMPTS: '1',
  };
}

/** The block with the two ports swapped for this run's. */
function localized(block: string): string {
  return block
    .replaceAll('127.0.0.1:3000', `127.0.0.1:${gatewayPort}`)
    .replaceAll('4000', String(receiverPort));
}

/** A terminal that keeps running: its own process group, so Ctrl-C reaches all of it. */
function terminal(script: string): { child: ChildProcess; output: () => string } {
  const child = spawn('bash', ['-e', '-c', localized(script)], {
    cwd: clone,
    env: env(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, output: () => output };
}

/** A block run to its end in a terminal; its exit code and output. */
async function run(script: string): Promise<{ code: number | null; output: string }> {
  const { child, output } = terminal(script);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output: output() };
}

/** Ctrl-C in a terminal: SIGINT to its process group; how its shell ended. */
async function ctrlC(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  try {
    process.kill(-(child.pid ?? 0), 'SIGINT');
  } catch {
    // the group is gone already
  }
  const [code, signal] = await exited;
  return code ?? signal;
}

afterAll(async () => {
  for (const child of running.reverse()) await ctrlC(child);
  rmSync(clone, { recursive: true, force: true });
}, 60_000);

describe('README "Try it"', () => {
  it('works as pasted: the bot answers on the local receiver, signed; a failed callback is resent; the first admin signs in', async () => {
    gatewayPort = await findFreePort();
    receiverPort = await findFreePort();
    const blocks = tryItBlocks();
    const gatewayBlock = blockWith(blocks, 'npm start');
    const receiverBlock = blockWith(blocks, 'dev-receiver');
    const question = blockWith(blocks, 'curl -X POST');
    const resend = blockWith(blocks, 'deliveries resend');
    const adminBlock = blockWith(blocks, 'admin create');
    // The flag is explained, and set, before the command that needs it.
    expect(readme.indexOf('API_CALLBACK_ALLOW_PRIVATE=true')).toBeLessThan(
      readme.indexOf(question),
    );
    expect(gatewayBlock).toContain('API_CALLBACK_ALLOW_PRIVATE=true');

    // Terminal 1: the gateway, local servers and all, with the seed knowledge base.
    const gateway = terminal(gatewayBlock);
    await waitFor(
      async () => {
        if (gateway.child.exitCode !== null) throw new Error(gateway.output());
        return (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 240_000, intervalMs: 250, what: `the gateway: ${gateway.output()}` },
    );

    // Terminal 2: the integration, then the receiver.
    let receiver = terminal(receiverBlock);
    await waitFor(() => receiver.output().includes('listening on'), {
      timeoutMs: 60_000,
      what: 'the receiver',
    });
    expect(receiver.output()).toContain('signatures checked');

    // Terminal 3: the question is accepted, the answer arrives, signed.
    const asked = await run(question);
    expect(asked.code, asked.output).toBe(0);
    expect(asked.output).toContain('"status":"accepted"');
    expect(asked.output).toContain('"duplicate":false');
    await waitFor(() => receiver.output().includes('signature ok'), {
      timeoutMs: 90_000,
      what: `the bot's answer on the receiver: ${receiver.output()}`,
    });
    expect(receiver.output()).toContain('"kind": "bot"');
    expect(receiver.output()).toContain('/m-1  signature ok');
    expect((await run(question)).output).toContain('"duplicate":true');

    // The receiver is down while a second question is answered: that callback fails...
    await ctrlC(receiver.child);
    const second = await run(question.replace('"m-1"', '"m-2"'));
    expect(second.output).toContain('"duplicate":false');
    const failedLine = resend.split('\n').find((line) => line.includes('deliveries failed')) ?? '';
    await waitFor(async () => (await run(failedLine)).output.includes('/m-2"'), {
      timeoutMs: 60_000,
      intervalMs: 1000,
      what: 'the failed delivery to be listed',
    });
    // ...and once the receiver is back, the README's resend sends it, same id, signed.
    const receiverLine =
      receiverBlock.split('\n').find((line) => line.includes('dev-receiver')) ?? '';
    receiver = terminal(receiverLine);
    await waitFor(() => receiver.output().includes('listening on'), { what: 'the receiver' });
    const resent = await run(resend);
    expect(resent.code, resent.output).toBe(0);
    expect(resent.output).toContain('/m-2: queued again');
    await waitFor(() => receiver.output().includes('/m-2  signature ok'), {
      timeoutMs: 60_000,
      what: `the resent answer: ${receiver.output()}`,
    });

    // The first admin: the block defines its password and the console accepts it.
    const admin = await run(adminBlock);
    expect(admin.code, admin.output).toBe(0);
    const password = /admin password: (\S+)/.exec(admin.output)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(12);
    const login = await fetch(`http://127.0.0.1:${gatewayPort}/api/v1/admin/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'you@example.com', password }),
    });
    expect(login.status).toBe(200);

    // Ctrl-C in terminal 1: a clean stop, local servers included.
    await ctrlC(gateway.child);
    await waitFor(() => gateway.output().includes('"msg":"stopped"'), {
      what: `the gateway to stop: ${gateway.output().slice(-2000)}`,
    });
  }, 600_000);
});
