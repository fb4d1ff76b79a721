/**
 * The composition root of the serving processes (API, worker, or both in one): AppConfig
 * in, a running application out, on top of the shared core (core.ts). Nothing here runs at
 * import time; entry points (server/main-*.ts, scripts) call it.
 */
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { createOpsRouter } from '../http/routes/ops-routes';
import type { Redis } from 'ioredis';
import { createAssigner, createFeaturesSource, type Assigner } from '../assignment';
import type { AppConfig } from '../config';
import { readModelContext } from '../decoding';
import type { ResolvedDatabase } from '../db/resolve-database';
import type { ApiKeysService, ExperimentsService } from '../experiments';
import { SetupError } from '../errors';
import { createHttpApp, type ExtraRouter } from '../http';
import { createLogger, type Logger } from '../observability/logger';
import { createBullDecodeQueue, createInProcessQueue, createRedis, type DecodeQueue, type Solver } from '../queue';
import { createDecodeSide, type AppRole } from './decode-side';
import { closeServer, listenOn } from './http-listener';
import type { MetricsPort } from './ports';
import { createTelemetryPorts } from './telemetry-ports';
import { wallClockMs, type Clock } from '../vocabulary';
import { createCore, type Core } from './core';
import type { PrismaClient } from '../db/create-prisma-client';
import type pg from 'pg';
import type { KpiService } from '../analysis/kpi-service';
import type { RolloutService } from '../rollout/rollout-service';

/**
 * api    — HTTP + queue producer; without REDIS_URL also the in-process workers.
 * worker — BullMQ decode workers only (requires REDIS_URL).
 * all    — HTTP + producer + BullMQ workers in one process (tests, benchmarks).
 */
export type { AppRole };

export interface AppContextOptions {
  role?: AppRole;
  logger?: Logger;
  /** Replaces the ONNX decoder (benchmarks' constant-cost stand-in). */
  decoder?: Solver;
  /** Apply migrations first (advisory-locked; default true). */
  migrate?: boolean;
  /** Routers a test adds. */
  extraRouters?: readonly ExtraRouter[];
  /**
   * Solve with every running experiment's variants (and the default ones) a few times before
   * serving, so one-time costs stay out of the first requests' latency (decoding/warm-up.ts).
   */
  warmUp?: boolean;
  /** How often the experiment snapshot is reloaded from the DB for multi-instance consistency (ms). */
  experimentsRefreshMs?: number;
  clock?: Clock;
}

export interface AppContext {
  readonly config: AppConfig;
  readonly role: AppRole;
  readonly logger: Logger;
  readonly database: Pick<ResolvedDatabase, 'url' | 'schema' | 'embedded' | 'embeddedInfo'>;
  readonly prisma: PrismaClient;
  readonly pool: pg.Pool;
  readonly metrics: MetricsPort;
  /** The API (roles api/all), or the worker's ops endpoints (/healthz, /readyz, /metrics). */
  readonly app?: Express;
  readonly experiments: ExperimentsService;
  readonly apiKeys: ApiKeysService;
  readonly kpi: KpiService;
  readonly rollout: RolloutService;
  readonly assigner?: Assigner;
  readonly queue?: DecodeQueue;
  readonly queueMode: 'bullmq' | 'in-process';
  /** Starts the HTTP server (port 0: any free port). */
  listen(port?: number, host?: string): Promise<{ url: string; server: Server }>;
  /** Stops accepting, drains the queue, flushes the request log, closes connections, in that order. */
  close(): Promise<void>;
}

export async function createAppContext(config: AppConfig, options: AppContextOptions = {}): Promise<AppContext> {
  const role = options.role ?? 'api';
  const clock = options.clock ?? wallClockMs;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const redisUrl = config.redis.url;
  if (role === 'worker' && !redisUrl) throw new SetupError('npm run worker needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379); without Redis, npm run serve runs the decode workers in-process');
  const core: Core = await createCore(config, { logger, clock, migrate: options.migrate });
  const cleanup = core.onClose;

  try {
    const { pool, experiments, apiKeys } = core;
    const telemetry = createTelemetryPorts({ config, pool, logger });
    const { metrics } = telemetry;

    const decode = await createDecodeSide({ config, role, core, telemetry, logger, clock, decoder: options.decoder, warmUp: options.warmUp });
    const { decoder, process, worker, abandoned } = decode;
    // The API and the worker probe the same things; only whose queue connection differs.
    const readinessChecks = (queuePing: () => Promise<unknown>): Record<string, () => Promise<unknown>> => {
      const checks: Record<string, () => Promise<unknown>> = { database: () => core.experimentsRepo.ping(), queue: queuePing };
      if (decoder?.check) checks.models = () => decoder.check!();
      return checks;
    };

    let queue: DecodeQueue | undefined;
    let app: Express | undefined;
    let assigner: Assigner | undefined;
    if (role !== 'worker') {
      queue = redisUrl
        ? await createBullDecodeQueue({
            redisUrl,
            prefix: config.redis.queuePrefix,
            logger,
            maxPending: config.queue.maxPending,
            maxWaitMs: config.queue.maxWaitMs,
            onDepth: (d) => metrics.setQueueDepth(d),
            abandoned,
            clock,
          })
        : createInProcessQueue({
            process: process!,
            concurrency: config.worker.concurrency,
            maxPending: config.queue.maxPending,
            maxWaitMs: config.queue.maxWaitMs,
            onDepth: (d) => metrics.setQueueDepth(d),
            abandoned,
            clock,
          });
      cleanup(() => queue?.close());

      await experiments.refresh();
      const refresher = setInterval(() => {
        experiments.refresh().catch((err: unknown) => logger.warn({ err }, 'experiments refresh failed'));
      }, options.experimentsRefreshMs ?? 5_000);
      refresher.unref();
      cleanup(() => clearInterval(refresher));

      let stickyRedis: Redis | undefined;
      if (config.growthbook.stickyBucketing) {
        if (!redisUrl) logger.warn('STICKY_BUCKETING needs REDIS_URL; running without sticky buckets');
        else {
          stickyRedis = createRedis(redisUrl);
          cleanup(() => stickyRedis?.disconnect());
        }
      }
      assigner = createAssigner({ logger, stickyRedis, onExposure: (e, v) => metrics.countExposure(e, v) });
      cleanup(() => assigner?.close());
      const features = createFeaturesSource({ experiments, assigner });
      cleanup(() => features.close());

      // The gate evaluator runs beside the API (a BullMQ job scheduler with Redis, a timer without).
      await core.rollout.startGate();

      app = createHttpApp({
        logger,
        clock,
        experiments,
        apiKeys,
        kpi: core.kpi,
        rollout: core.rollout.rollout,
        assigner,
        queue,
        solveTimeoutMs: config.solveTimeoutMs,
        contextTokens: readModelContext(config.decoding.modelsDir),
        ratePerKeyPerSecond: config.queue.ratePerKeyPerSecond,
        recordFeedback: telemetry.recordFeedback,
        ops: { features: () => features.current(), featuresClientKey: config.featuresClientKey, metrics: () => metrics.render(), readinessChecks: readinessChecks(() => queue!.ping()) },
        extraRouters: options.extraRouters,
      });
    }

    if (role === 'worker') {
      // The worker's own probes and metrics (its writer and spool live here, not in the API).
      app = express();
      app.disable('x-powered-by');
      app.use(createOpsRouter({ metrics: () => metrics.render(), readinessChecks: readinessChecks(() => worker!.ping()), logger }));
    }

    let server: Server | undefined;
    let closing: Promise<void> | undefined;
    return {
      config,
      role,
      logger,
      database: { url: core.database.url, schema: core.database.schema, embedded: core.database.embedded, embeddedInfo: core.database.embeddedInfo },
      prisma: core.prisma,
      pool,
      metrics,
      app,
      experiments,
      apiKeys,
      kpi: core.kpi,
      rollout: core.rollout.rollout,
      assigner,
      queue,
      queueMode: redisUrl ? 'bullmq' : 'in-process',
      async listen(port = config.http.port, host = config.http.host) {
        if (!app) throw new Error(`role ${role} serves no HTTP`);
        if (role === 'worker' && port === config.http.port) port = config.worker.opsPort;
        const listening = await listenOn(app, { port, host, portVariable: role === 'worker' ? 'WORKER_OPS_PORT' : 'PORT' });
        server = listening.server;
        return listening;
      },
      close() {
        closing ??= (async () => {
          // 1. stop accepting; requests in flight finish (bounded by the solve timeout).
          if (server) await closeServer(server, config.solveTimeoutMs + 5_000);
          // 2..n: queue drains, workers finish, writer flushes, pools close (reverse creation order).
          await core.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await core.close();
    throw err;
  }
}
