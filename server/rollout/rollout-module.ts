import type pg from 'pg';
import type { Logger } from 'pino';
import { createKpiRepository } from '../analysis/kpi-repository';
import { createKpiService, type KpiService } from '../analysis/kpi-service';
import type { AppConfig } from '../config';
import type { ExperimentsService } from '../experiments';
import type { ExtraRouter } from '../http/create-http-app';
import { resultsRouter } from '../http/routes/results-routes';
import { rolloutRouter } from '../http/routes/rollout-routes';
import { createGateEvaluatorJob, type GateEvaluatorJob } from './gate-evaluator-job';
import { createRolloutRepository } from './rollout-repository';
import { createRolloutService, type RolloutService } from './rollout-service';
import { createWebhookNotifier } from './webhooks';

export interface AnalysisRollout {
  kpi: KpiService;
  rollout: RolloutService;
  /** Results + rollout routes, for createHttpApp's extraRouters. */
  routers: ExtraRouter[];
  /** Starts the gate schedule: a BullMQ job scheduler with Redis, a timer without. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * KPI queries, rollout service, webhooks, routes and the gate evaluator, built
 * from what the wiring file already has. Called from create-app-context.
 */
export function createAnalysisRollout(deps: {
  config: AppConfig;
  pool: pg.Pool;
  experiments: ExperimentsService;
  logger: Logger;
  clock: () => number;
}): AnalysisRollout {
  const { config, pool, experiments, logger, clock } = deps;
  const kpi = createKpiService({ repo: createKpiRepository({ pool }), clock });
  const webhooks = createWebhookNotifier({ urls: config.rollout.webhookUrls, logger: logger.child({ component: 'rollout-webhooks' }) });
  const rollout = createRolloutService({
    repo: createRolloutRepository({ pool }),
    experiments,
    kpi,
    webhooks,
    clock,
    logger: logger.child({ component: 'rollout' }),
  });
  let job: GateEvaluatorJob | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    kpi,
    rollout,
    routers: [resultsRouter(kpi), rolloutRouter(rollout)],
    async start() {
      if (config.redis.url) {
        job = createGateEvaluatorJob({
          redisUrl: config.redis.url,
          prefix: config.redis.queuePrefix,
          intervalMs: config.rollout.evalIntervalMs,
          rollout,
          logger,
        });
        await job.start();
      } else {
        // Single process without Redis: a plain timer; evaluations of one experiment are serialised by the service.
        timer = setInterval(() => {
          rollout.evaluateAll().catch((err: unknown) => logger.error({ err }, 'rollout evaluation failed'));
        }, config.rollout.evalIntervalMs);
        timer.unref();
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      await job?.close();
      // Give in-flight webhooks a moment, but never hold shutdown hostage to a slow receiver.
      await Promise.race([rollout.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}
