import path from 'node:path';
import type pg from 'pg';
import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import type { AppConfig } from '../config';
import type { Usage } from '../vocabulary';
import {
  computeCostUsd,
  createFeedbackService,
  createMetrics,
  createPriceTable,
  createRequestLogRepository,
  createRequestLogWriter,
  createJournal,
  createSpool,
  type Metrics,
  type PriceTable,
} from '../telemetry';
import type { MetricsPort, WriterPort } from './ports';

export interface TelemetryPorts {
  metrics: MetricsPort;
  /** telemetry's own metrics (the writer reports into the same registry). */
  registry: Metrics;
  createWriter(): Promise<WriterPort>;
  recordFeedback(requestId: string, correct: boolean): Promise<{ applied: boolean }>;
  costUsd(usage: Usage): number;
}

/** Adapts server/telemetry to the ports the wiring uses (the only file to touch when telemetry's API changes). */
export function createTelemetryPorts(deps: { config: AppConfig; pool: pg.Pool; logger: Logger }): TelemetryPorts {
  const { config, pool, logger } = deps;
  const m = createMetrics({ defaultMetrics: true });
  const exposures = new Counter({
    name: 'assignment_exposures_total',
    help: 'GrowthBook exposures (tracking callback), by experiment and variant',
    labelNames: ['experiment', 'variant'] as const,
    registers: [m.registry],
  });
  // Lazy and retried: default prices come from models/manifest.json, which a training run may be
  // rewriting; a missing price must not keep the API from starting (cost logs as 0 meanwhile).
  let prices: PriceTable | undefined;
  let lastPriceError = 0;
  const priceTable = (): PriceTable | undefined => {
    if (prices || Date.now() - lastPriceError < 10_000) return prices;
    try {
      prices = createPriceTable({ modelsDir: config.decoding.modelsDir, prices: config.prices });
    } catch (err) {
      lastPriceError = Date.now();
      logger.warn({ err: (err as Error).message }, 'no price table yet; logging cost 0');
    }
    return prices;
  };
  priceTable();
  const repository = createRequestLogRepository({ pool });
  const feedback = createFeedbackService({ repo: repository });
  return {
    registry: m,
    metrics: {
      observeRequest(variant, status, ms) {
        m.requestsTotal.inc({ variant, status });
        if (status === 'ok') m.requestLatencyMs.observe({ variant }, ms);
      },
      setQueueDepth: (d) => m.queueDepth.set(d),
      countExposure: (experiment, variant) => exposures.inc({ experiment, variant }),
      render: async () => ({ contentType: m.registry.contentType, body: await m.registry.metrics() }),
    },
    async createWriter() {
      const spool = await createSpool({ dir: config.requestLog.spoolDir, logger });
      // Rows a killed predecessor had journalled but not committed go to the spool first,
      // so they are written (once: inserts are idempotent) before anything new.
      const journal = createJournal({ dir: path.join(config.requestLog.spoolDir, 'journal') });
      const recovered = journal.recover();
      if (recovered.length > 0) {
        await spool.append(recovered);
        logger.warn({ rows: recovered.length }, 'request log: recovered journalled rows of a previous process');
      }
      journal.forgetRecovered();
      return createRequestLogWriter({
        journal,
        pool,
        logger,
        spool,
        batchMaxRows: config.requestLog.batchMaxRows,
        flushIntervalMs: config.requestLog.flushIntervalMs,
        metrics: m,
        repository,
      });
    },
    recordFeedback: (requestId, correct) => feedback.recordFeedback(requestId, correct),
    costUsd: (u) => {
      const table = priceTable();
      return table ? computeCostUsd(table, { draftTokens: u.draft.tokens, targetTokens: u.target.tokens, prmTokens: u.prm.tokens }) : 0;
    },
  };
}
