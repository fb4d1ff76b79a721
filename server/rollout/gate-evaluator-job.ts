import { Queue, Worker, type Job } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RolloutService } from './rollout-service';

export const GATE_QUEUE = 'rollout-gate';
const SCHEDULER_ID = 'evaluate-all-running';

type GateJob = { key?: string };

export interface GateEvaluatorJob {
  /** Registers the repeatable job (idempotent across processes) and starts the worker. */
  start(): Promise<void>;
  /** Queues an evaluation now: one experiment, or every running plan. */
  enqueue(key?: string): Promise<void>;
  /** Stops this process's worker; the schedule stays for the other workers (see `unschedule`). */
  close(): Promise<void>;
  /** Removes the repeatable schedule itself. */
  unschedule(): Promise<void>;
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
 * The scheduler is keyed, so every worker process may register it without
 * duplicating runs; concurrency 1 keeps evaluations of one process serial.
 */
export function createGateEvaluatorJob(deps: GateEvaluatorDeps): GateEvaluatorJob {
  const name = deps.queueName ?? GATE_QUEUE;
  const connect = (): Redis => new IORedis(deps.redisUrl, { maxRetriesPerRequest: null });
  const queueConnection = connect();
  const queue = new Queue<GateJob>(name, {
    connection: queueConnection,
    prefix: deps.prefix,
    defaultJobOptions: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 },
  });
  let worker: Worker<GateJob> | undefined;
  let workerConnection: Redis | undefined;

  const process = async (job: Job<GateJob>) => {
    const result = job.data.key ? await deps.rollout.evaluate(job.data.key) : await deps.rollout.evaluateAll();
    deps.onProcessed?.(result, job.data);
    return result;
  };

  return {
    async start() {
      await queue.upsertJobScheduler(SCHEDULER_ID, { every: deps.intervalMs }, { name: 'evaluate-all', data: {} });
      workerConnection = connect();
      worker = new Worker<GateJob>(name, process, { connection: workerConnection, prefix: deps.prefix, concurrency: 1 });
      worker.on('failed', (job, err) => deps.logger.error({ err, job: job?.name, data: job?.data }, 'rollout gate job failed'));
      worker.on('error', (err) => deps.logger.error({ err }, 'rollout gate worker error'));
    },

    async enqueue(key) {
      await queue.add(key ? 'evaluate' : 'evaluate-all', key ? { key } : {});
    },

    async unschedule() {
      await queue.removeJobScheduler(SCHEDULER_ID);
    },

    async close() {
      await worker?.close();
      await queue.close();
      queueConnection.disconnect();
      workerConnection?.disconnect();
    },
  };
}
