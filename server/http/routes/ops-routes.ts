import { Router } from 'express';
import { handle } from '../handler';

export interface OpsRoutesDeps {
  /** The GrowthBook payload (same JSON a GrowthBook server returns). */
  features: () => unknown;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Named readiness checks; any rejection makes /readyz answer 503. */
  readinessChecks: Record<string, () => Promise<unknown>>;
}

/** Open endpoints: features payload, metrics, liveness and readiness. */
export function createOpsRouter(deps: OpsRoutesDeps): Router {
  const router = Router();
  const features = handle({}, (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    return deps.features();
  });
  router.get('/api/features', features);
  router.get('/api/features/:clientKey', features);

  router.get('/metrics', async (_req, res, next) => {
    try {
      const m = await deps.metrics();
      res.setHeader('content-type', m.contentType);
      res.send(m.body);
    } catch (err) {
      next(err);
    }
  });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const entries = await Promise.all(
      Object.entries(deps.readinessChecks).map(async ([name, check]) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, (err as Error).message || 'failed'] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, v]) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}
