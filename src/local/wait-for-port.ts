import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once something accepts TCP connections on host:port, or rejects after timeoutMs. */
export async function waitForPort(
  port: number,
  options: { host?: string; timeoutMs?: number; isAlive?: () => boolean } = {},
): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (options.isAlive && !options.isAlive()) {
      throw new Error(`the process meant to listen on ${host}:${port} exited`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on ${host}:${port} within ${options.timeoutMs ?? 30_000} ms`);
}

/**
 * Calls `attempt` until it succeeds, every intervalMs, until a deadline: for readiness checks that
 * fail for a while by design (a database still recovering answers "starting up"). Fails early,
 * saying so, when the server it waits for has exited.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  options: { what: string; timeoutMs: number; intervalMs?: number; isAlive?: () => boolean },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    if (options.isAlive && !options.isAlive()) {
      throw new Error(`${options.what}: the server exited while we waited for it`);
    }
    try {
      return await attempt();
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(options.intervalMs ?? 250);
  }
  const reason = last instanceof Error ? last.message.trim() : String(last);
  throw new Error(`${options.what}: not ready within ${options.timeoutMs} ms (${reason})`);
}
