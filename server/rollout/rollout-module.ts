import type { PrismaClient } from '../db/create-prisma-client';
import type { Clock } from '../vocabulary';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { KpiService } from '../analysis/kpi-service';
import type { AppConfig } from '../config';
import type { ExperimentsService } from '../experiments';
import { createGateEvaluatorJob, type GateEvaluatorJob } from './gate-evaluator-job';
import { createRolloutRepository } from './rollout-repository';
import { createRolloutService, type RolloutService } from './rollout-service';
import type { WebhookNotifier } from './webhook-delivery';
import { createQueuedWebhookNotifier } from './webhook-queue';
import { createInProcessWebhookNotifier } from './webhooks';

export interface RolloutModule {
  rollout: RolloutService;
  /** Starts the gate schedule: a BullMQ job scheduler with Redis, a timer without. */
  startGate(): Promise<void>;
  close(): Promise<void>;
}

/** The rollout service, its webhooks and the gate evaluator, from the services the composition root has. */
export function createRolloutModule(deps: {
  config: AppConfig;
  prisma: PrismaClient;
  pool: pg.Pool;
  experiments: ExperimentsService;
  kpi: KpiService;
  logger: Logger;
  clock: Clock;
}): RolloutModule {
  const { config, prisma, pool, experiments, kpi, logger, clock } = deps;
  const repo = createRolloutRepository({ prisma, pool });
  const webhookOptions = {
    urls: config.rollout.webhookUrls,
    onSettled: (decisionId: string, status: string) => repo.setWebhookStatus(decisionId, status),
    logger: logger.child({ component: 'rollout-webhooks' }),
  };
  const webhooks: WebhookNotifier = config.redis.url
    ? createQueuedWebhookNotifier({ ...webhookOptions, redisUrl: config.redis.url, prefix: config.redis.queuePrefix })
    : createInProcessWebhookNotifier(webhookOptions);
  const rollout = createRolloutService({
    repo,
    experiments,
    kpi,
    webhooks,
    clock,
    logger: logger.child({ component: 'rollout' }),
    gateIntervalMs: config.rollout.evalIntervalMs,
  });
  let job: GateEvaluatorJob | undefined;
  let timer: NodeJS.Timeout | undefined;
  // The timer's evaluation in progress: close() waits for it, so it never runs on a closed pool.
  let evaluating: Promise<unknown> | undefined;
  return {
    rollout,
    async startGate() {
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
          if (evaluating) return;
          evaluating = rollout
            .evaluateAll()
            .catch((err: unknown) => logger.error({ err }, 'rollout evaluation failed'))
            .finally(() => (evaluating = undefined));
        }, config.rollout.evalIntervalMs);
        timer.unref();
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      await evaluating;
      await job?.close();
      // Give in-flight webhooks a moment, but never hold shutdown hostage to a slow receiver
      // (queued ones are not lost: another process, or the next start, delivers them).
      await Promise.race([rollout.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
      await webhooks.close();
    },
  };
}
