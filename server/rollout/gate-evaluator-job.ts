import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRedis } from '../queue/redis';
import type { RolloutService } from './rollout-service';

export const GATE_QUEUE = 'rollout-gate';
const SCHEDULER_ID = 'evaluate-all-running';

type GateJob = { key?: string };

export interface GateEvaluatorJob {
  /** Registers the repeatable job (idempotent across processes) and starts the worker. */
  start(): Promise<void>;
  /** Queues an evaluation now: one experiment, or every running plan. */
  enqueue(key?: string): Promise<void>;
  /** Stops this process's worker and its schedule keeper; the schedule stays in Redis for other processes. */
  close(): Promise<void>;
}

export interface GateEvaluatorDeps {
  redisUrl: string;
  prefix: string;
  /** Unique per test file. */
  queueName?: string;
  intervalMs: number;
  rollout: Pick<RolloutService, 'evaluate' | 'evaluateAll'>;
  logger: Logger;
  /** Fires after each processed job (tests wait on it instead of sleeping). */
  onProcessed?: (result: unknown, job: GateJob) => void;
}

/**
 * A BullMQ job scheduler runs "evaluate every running plan" every `intervalMs`.
 * The scheduler is keyed, so every process may register it without duplicating runs;
 * concurrency 1 keeps evaluations of one process serial. Redis may restart empty (it
 * keeps nothing by default), taking the schedule with it, so each process re-registers
 * it every interval: the gate is back within two intervals of Redis.
 */
export function createGateEvaluatorJob(deps: GateEvaluatorDeps): GateEvaluatorJob {
  const name = deps.queueName ?? GATE_QUEUE;
  const connect = (): Redis => createRedis(deps.redisUrl);
  const queueConnection = connect();
  const queue = new Queue<GateJob>(name, {
    connection: queueConnection,
    prefix: deps.prefix,
    defaultJobOptions: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 },
  });
  let worker: Worker<GateJob> | undefined;
  let workerConnection: Redis | undefined;
  let keeper: NodeJS.Timeout | undefined;
  const schedule = () => queue.upsertJobScheduler(SCHEDULER_ID, { every: deps.intervalMs }, { name: 'evaluate-all', data: {} });

  const process = async (job: Job<GateJob>) => {
    const result = job.data.key ? await deps.rollout.evaluate(job.data.key) : await deps.rollout.evaluateAll();
    deps.onProcessed?.(result, job.data);
    return result;
  };

  return {
    async start() {
      await schedule();
      keeper = setInterval(() => {
        schedule().catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'rollout gate: cannot register the schedule yet (Redis down?)'));
      }, deps.intervalMs);
      keeper.unref();
      workerConnection = connect();
      worker = new Worker<GateJob>(name, process, { connection: workerConnection, prefix: deps.prefix, concurrency: 1 });
      worker.on('failed', (job, err) => deps.logger.error({ err, job: job?.name, data: job?.data }, 'rollout gate job failed'));
      worker.on('error', (err) => deps.logger.error({ err }, 'rollout gate worker error'));
    },

    async enqueue(key) {
      await queue.add(key ? 'evaluate' : 'evaluate-all', key ? { key } : {});
    },

    async close() {
      if (keeper) clearInterval(keeper);
      await worker?.close();
      await queue.close();
      queueConnection.disconnect();
      workerConnection?.disconnect();
    },
  };
}
