import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { KpiService } from '../analysis/kpi-service';
import type { Assigner } from '../assignment';
import type { ApiKeysService, ExperimentsService } from '../experiments';
import type { DecodeQueue } from '../queue';
import type { Clock } from '../vocabulary';
import type { RolloutService } from '../rollout/rollout-service';
import { ValidationError } from '../errors';
import { createRequireRole, type RequireRole } from './auth';
import { createConsoleRouter } from './console/console-router';
import { createRateLimit } from './rate-limit';
import { createErrorMiddleware, notFoundHandler } from './error-middleware';
import { createExperimentsRouter } from './routes/experiments-routes';
import { createOpsRouter, type OpsRoutesDeps } from './routes/ops-routes';
import { createResultsRouter } from './routes/results-routes';
import { createRolloutRouter } from './routes/rollout-routes';
import { createSolveRouter, RECEIVED_AT, type SolveRoutesDeps } from './routes/solve-routes';

/** A router added by a test; it gets `requireRole` to protect itself. */
export type ExtraRouter = Router | { create(deps: { requireRole: RequireRole }): Router };

export interface HttpAppDeps {
  logger: Logger;
  clock: Clock;
  experiments: ExperimentsService;
  apiKeys: ApiKeysService;
  kpi: KpiService;
  rollout: RolloutService;
  assigner: Assigner;
  queue: DecodeQueue;
  solveTimeoutMs: number;
  contextTokens?: number;
  /** Solves per second per API key (0 or absent: no limit). */
  ratePerKeyPerSecond?: number;
  recordFeedback: (requestId: string, correct: boolean) => Promise<{ applied: boolean }>;
  onOutcome?: SolveRoutesDeps['onOutcome'];
  ops: OpsRoutesDeps;
  /** Mounted after the built-in routes, before the 404 handler. */
  extraRouters?: readonly ExtraRouter[];
  /** Log every request at info (default: only 5xx at warn/error, to keep the request path cheap). */
  accessLog?: boolean;
  jsonLimit?: string;
}

/** Path of the first string holding a NUL character (Postgres text cannot store one), or null. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = nulPath(value[i], `${path}.${i}`);
      if (p) return p;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = k.includes('\u0000') ? `${path}.${k.replace(/\u0000/g, '\\0')}` : nulPath(v, `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
}

const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  const where = nulPath(req.body, 'body') ?? nulPath(req.query, 'query');
  next(where ? new ValidationError(`${where}: contains a NUL character`, where) : undefined);
};

/** Runs handlers one after another as one middleware (stops at the first error). */
function chain(handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    const step = (i: number, err?: unknown): void => {
      if (err || i === handlers.length) return next(err);
      try {
        void handlers[i]!(req, res, (e?: unknown) => step(i + 1, e));
      } catch (e) {
        next(e);
      }
    };
    step(0);
  };
}

export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const { clock, logger } = deps;

  const stamp: RequestHandler = (_req, res, next) => {
    res.locals[RECEIVED_AT] = clock();
    if (deps.accessLog) {
      res.on('finish', () => {
        logger.info({ method: _req.method, path: _req.path, status: res.statusCode, ms: clock() - (res.locals[RECEIVED_AT] as number) }, 'request');
      });
    }
    next();
  };
  app.use(stamp);


  // Bodies are parsed only after the caller is authenticated: an anonymous client cannot make
  // the server decompress and parse 64 kB of JSON.
  const authenticated = createRequireRole((key) => deps.apiKeys.authenticate(key));
  const parseBody = [express.json({ limit: deps.jsonLimit ?? '64kb' }), rejectNulCharacters];
  const requireRole: RequireRole = (...roles) => chain([authenticated(...roles), ...parseBody]);
  app.use(createOpsRouter({ ...deps.ops, requireRole, logger }));
  app.use(
    createSolveRouter({
      experiments: deps.experiments,
      assigner: deps.assigner,
      queue: deps.queue,
      solveTimeoutMs: deps.solveTimeoutMs,
      contextTokens: deps.contextTokens,
      rateLimit: deps.ratePerKeyPerSecond ? createRateLimit({ ratePerSecond: deps.ratePerKeyPerSecond }) : undefined,
      clock,
      requireRole,
      recordFeedback: deps.recordFeedback,
      onOutcome: deps.onOutcome,
    }),
  );
  app.use(createExperimentsRouter({ experiments: deps.experiments, apiKeys: deps.apiKeys, requireRole }));
  app.use(createResultsRouter({ kpi: deps.kpi, auth: requireRole }));
  app.use(createRolloutRouter({ rollout: deps.rollout, auth: requireRole }));
  app.use(createConsoleRouter({ requireRole }));
  for (const extra of deps.extraRouters ?? []) app.use('create' in extra ? extra.create({ requireRole }) : extra);

  app.use(notFoundHandler);
  app.use(createErrorMiddleware(logger));
  return app;
}
