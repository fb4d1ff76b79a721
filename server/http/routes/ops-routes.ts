import { timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { UnauthorizedError } from '../../errors';
import type { RequireRole } from '../auth';
import { handle } from '../handler';

export interface OpsRoutesDeps {
  /** The GrowthBook payload (same JSON a GrowthBook server returns); absent where no API runs (the worker). */
  features?: () => unknown;
  /** Lets GrowthBook SDKs fetch /api/features/<this key> without a bearer token; unset: bearer only. */
  featuresClientKey?: string;
  requireRole?: RequireRole;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Named readiness checks; any rejection or timeout makes /readyz answer 503. */
  readinessChecks: Record<string, () => Promise<unknown>>;
  /** Per check (default 2 s): a frozen dependency must not hang the probe. */
  readinessTimeoutMs?: number;
  logger?: Logger;
}

const sameKey = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Liveness, readiness and metrics (open: they say nothing about the data), and the feature payload (keyed). */
export function createOpsRouter(deps: OpsRoutesDeps): Router {
  const router = Router();
  if (deps.features && deps.requireRole) {
    const payload = deps.features;
    const bearer = deps.requireRole('viewer', 'service');
    const send = handle({}, (_req, res) => {
      res.setHeader('cache-control', 'no-store');
      return payload();
    });
    const byClientKey: RequestHandler = (req, res, next) => {
      const key = String(req.params.clientKey ?? '');
      if (deps.featuresClientKey && sameKey(key, deps.featuresClientKey)) return next();
      // Not the SDK key: a bearer key is required, as for /api/features.
      if (req.headers.authorization) return bearer(req, res, next);
      next(new UnauthorizedError('unknown client key: send the SDK client key or Authorization: Bearer <key>'));
    };
    router.get('/api/features', bearer, send);
    router.get('/api/features/:clientKey', byClientKey, send);
  }

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
          await withTimeout(check(), deps.readinessTimeoutMs ?? 2000);
          return [name, 'ok'] as const;
        } catch (err) {
          // Details (hosts, ports) go to the log, not to whoever asks.
          deps.logger?.warn({ check: name, err: (err as Error).message }, 'readiness check failed');
          return [name, (err as Error).message === 'timeout' ? 'timeout' : 'failed'] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, v]) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}
