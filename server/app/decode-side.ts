/**
 * The decoding half of a serving process: the decoder, the request-log writer, the decode
 * processor, the abandoned-jobs registry the API and the workers share, and (with Redis, in
 * the worker and `all` roles) the BullMQ worker. Part of the serving composition root.
 */
import type { AppConfig } from '../config';
import { createDecoder, warmUpDecoder } from '../decoding';
import { DEFAULT_VARIANTS } from '../experiments/experiment-types';
import type { Logger } from '../observability/logger';
import {
  createBullDecodeWorker,
  createDecodeProcessor,
  createInMemoryAbandoned,
  createProducerRedis,
  createRedisAbandoned,
  type AbandonedRequests,
  type DecodeJob,
  type DecodeWorker,
  type Solver,
  type SolveOutcome,
} from '../queue';
import type { Clock } from '../vocabulary';
import type { Core } from './core';
import type { TelemetryPorts } from './telemetry-ports';

export type AppRole = 'api' | 'worker' | 'all';

export interface DecodeSide {
  /** Present where this process decodes (worker and `all` roles, or any role without Redis). */
  decoder?: Solver;
  process?: (job: DecodeJob) => Promise<SolveOutcome>;
  worker?: DecodeWorker;
  /** Jobs whose client hung up: marked by the API, skipped by the worker. */
  abandoned: AbandonedRequests;
}

export async function createDecodeSide(deps: {
  config: AppConfig;
  role: AppRole;
  core: Core;
  telemetry: TelemetryPorts;
  logger: Logger;
  clock: Clock;
  decoder?: Solver;
  warmUp?: boolean;
}): Promise<DecodeSide> {
  const { config, role, core, telemetry, logger, clock } = deps;
  const redisUrl = config.redis.url;
  const cleanup = core.onClose;

  // Redis shares the marks between the API and the workers; in-process, memory does.
  const ttlMs = config.solveTimeoutMs + 60_000;
  let abandoned: AbandonedRequests;
  if (redisUrl) {
    const redis = createProducerRedis(redisUrl);
    redis.on('error', (err) => logger.debug({ err: err.message }, 'abandoned-jobs connection error'));
    cleanup(() => redis.disconnect());
    abandoned = createRedisAbandoned({ redis, prefix: config.redis.queuePrefix, ttlMs });
  } else {
    abandoned = createInMemoryAbandoned({ ttlMs });
  }

  const decodesHere = role === 'worker' || role === 'all' || !redisUrl;
  if (!decodesHere) return { abandoned };

  const decoder: Solver & { close?(): Promise<void> } =
    deps.decoder ?? (await createDecoder({ modelsDir: config.decoding.modelsDir, intraOpThreads: config.decoding.intraOpThreads }));
  cleanup(() => decoder.close?.());
  if (deps.warmUp) {
    const running = (await core.experiments.list()).filter((e) => e.status === 'running');
    const configs = [DEFAULT_VARIANTS.baseline, DEFAULT_VARIANTS.specs, ...running.flatMap((e) => [e.variants.baseline, e.variants.specs])];
    const ms = await warmUpDecoder(decoder, configs);
    logger.info({ ms: Math.round(ms), configs: configs.length }, 'decoder warmed up');
  }
  const writer = await telemetry.createWriter();
  cleanup(() => writer.close());
  const process = createDecodeProcessor({
    decoder,
    writeRow: writer.write.bind(writer),
    costUsd: telemetry.costUsd,
    logger,
    clock,
    abandoned,
    observe: (v, s, ms) => telemetry.metrics.observeRequest(v, s, ms),
  });

  let worker: DecodeWorker | undefined;
  if (redisUrl && role !== 'api') {
    worker = await createBullDecodeWorker({ redisUrl, prefix: config.redis.queuePrefix, concurrency: config.worker.concurrency, process, logger });
    cleanup(() => worker!.close());
  }
  return { decoder, process, worker, abandoned };
}
