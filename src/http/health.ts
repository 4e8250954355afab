import { Router } from 'express';

export interface ReadinessProbe {
  name: string;
  check(): Promise<boolean>;
}

/**
 * `/healthz`: the process is up. `/readyz`: it can do its work — every probe (Redis, MongoDB)
 * answers within a second; else 503 so a load balancer stops sending traffic here.
 */
export function healthRouter(probes: ReadinessProbe[]): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      probes.map(async (probe) => {
        const timeout = new Promise<boolean>((resolve) =>
          setTimeout(() => resolve(false), 1000).unref(),
        );
        const ok = await Promise.race([probe.check().catch(() => false), timeout]);
        return [probe.name, ok ? 'ok' : 'unreachable'] as const;
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  return router;
}
