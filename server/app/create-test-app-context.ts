import { Counter, Registry } from 'prom-client';
import type { Express } from 'express';
import pino from 'pino';
import { createAssigner, createFeaturesSource, type Assigner } from '../assignment';
import {
  createApiKeysService,
  createExperimentsService,
  createInMemoryExperimentsRepository,
  decodingParamsValidator,
  type ApiKeysService,
  type ExperimentsService,
} from '../experiments';
import { createHttpApp, type ExtraRouter } from '../http';
import { createDecodeProcessor, createInProcessQueue, wallClockMs, type DecodeQueue, type DecoderLike, type LogRow } from '../queue';
import type { MetricsPort } from './ports';
import { createFakeDecoder } from './stand-in-decoders';

export const TEST_KEYS = Object.freeze({ admin: 'test-admin-key', service: 'test-service-key', viewer: 'test-viewer-key' });

export interface TestAppContext {
  app: Express;
  experiments: ExperimentsService;
  apiKeys: ApiKeysService;
  assigner: Assigner;
  queue: DecodeQueue;
  /** Rows the worker logged (the in-memory writer). */
  rows: LogRow[];
  feedback: { requestId: string; correct: boolean }[];
  metrics: MetricsPort;
  keys: typeof TEST_KEYS;
  close(): Promise<void>;
}

/** In-memory metrics with the same names as telemetry's, for the twin. */
function createMemoryMetrics(): MetricsPort {
  const registry = new Registry();
  const requests = new Counter({ name: 'requests_total', help: 'requests', labelNames: ['variant', 'status'], registers: [registry] });
  const exposures = new Counter({ name: 'assignment_exposures_total', help: 'exposures', labelNames: ['experiment', 'variant'], registers: [registry] });
  return {
    observeRequest: (variant, status) => requests.inc({ variant, status }),
    setQueueDepth: () => undefined,
    countExposure: (experiment, variant) => exposures.inc({ experiment, variant }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

/**
 * The test twin of create-app-context: same HTTP app, service, assigner and
 * queue code, with in-memory experiments, an in-memory request log, and a fake
 * decoder (correct answers, fixed `decodeMs`). No Postgres, Redis or models.
 */
export function createTestAppContext(options: {
  decoder?: DecoderLike;
  decodeMs?: number;
  solveTimeoutMs?: number;
  concurrency?: number;
  extraRouters?: readonly ExtraRouter[];
} = {}): TestAppContext {
  const logger = pino({ level: 'silent' });
  const clock = wallClockMs;
  const repo = createInMemoryExperimentsRepository();
  const experiments = createExperimentsService({ repo, validateParams: decodingParamsValidator });
  const apiKeys = createApiKeysService({ repo, configKeys: TEST_KEYS });
  const metrics = createMemoryMetrics();
  const assigner = createAssigner({ logger, onExposure: (e, v) => metrics.countExposure(e, v) });
  const features = createFeaturesSource({ experiments, assigner });
  const rows: LogRow[] = [];
  const feedback: { requestId: string; correct: boolean }[] = [];
  const process = createDecodeProcessor({
    decoder: options.decoder ?? createFakeDecoder({ decodeMs: options.decodeMs }),
    writeRow: (row) => rows.push(row),
    costUsd: (u) => (u.draft.tokens + u.target.tokens * 10 + u.prm.tokens * 2) * 1e-7,
    logger,
    clock,
  });
  const queue = createInProcessQueue({ process, concurrency: options.concurrency ?? 4, onDepth: (d) => metrics.setQueueDepth(d) });
  const app = createHttpApp({
    logger,
    clock,
    experiments,
    apiKeys,
    assigner,
    queue,
    solveTimeoutMs: options.solveTimeoutMs ?? 10_000,
    onOutcome: (variant, status, ms) => metrics.observeRequest(variant, status, ms),
    recordFeedback: async (requestId, correct) => {
      feedback.push({ requestId, correct });
      const row = rows.find((r) => r.requestId === requestId);
      if (row) Object.assign(row, { correct, gradingSource: 'feedback' });
      return { applied: Boolean(row) };
    },
    ops: {
      features: () => features.current(),
      metrics: () => metrics.render(),
      readinessChecks: { database: () => repo.ping(), queue: () => queue.ping() },
    },
    extraRouters: options.extraRouters,
  });
  return {
    app,
    experiments,
    apiKeys,
    assigner,
    queue,
    rows,
    feedback,
    metrics,
    keys: TEST_KEYS,
    async close() {
      features.close();
      await queue.close();
      assigner.close();
    },
  };
}
