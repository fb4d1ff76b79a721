import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { AppError, ClientGoneError, TimeoutError, UnavailableError } from '../errors';
import type { AbandonedRequests } from './abandonment';
import { wallClockMs } from '../vocabulary';
import { createAdmission } from './admission';
import { createProducerRedis, createRedis } from './redis';
import type { DecodeJob, DecodeQueue, SolveOutcome } from './types';

export const DECODE_QUEUE = 'decode';

interface Pending {
  resolve: (r: SolveOutcome) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * The API side: adds jobs and waits for their outcome. One shared QueueEvents
 * stream resolves all waiters through a map (no listener per job), and jobs are
 * removed on completion, so per-request Redis work is one add plus one event read.
 */
export async function createBullDecodeQueue(deps: {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /** Solves this process may have queued or running before it sheds load (503). */
  maxPending: number;
  /** Expected wait beyond which a solve is shed (admission.ts); absent: the depth cap only. */
  maxWaitMs?: number;
  onDepth?: (depth: number) => void;
  depthIntervalMs?: number;
  /** Where jobs whose client has left are marked for the workers (Redis-backed). */
  abandoned?: AbandonedRequests;
  clock?: () => number;
}): Promise<DecodeQueue> {
  const clock = deps.clock ?? wallClockMs;
  const connection = createProducerRedis(deps.redisUrl);
  connection.on('error', (err) => deps.logger.debug({ err: err.message }, 'queue connection error'));
  const admission = createAdmission({ maxPending: deps.maxPending, maxWaitMs: deps.maxWaitMs });
  const eventsConnection = createRedis(deps.redisUrl);
  const queue = new Queue<DecodeJob, SolveOutcome>(DECODE_QUEUE, {
    connection,
    prefix: deps.prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1000 }, attempts: 1 },
  });
  const events = new QueueEvents(DECODE_QUEUE, { connection: eventsConnection, prefix: deps.prefix });
  const pending = new Map<string, Pending>();
  let closed = false;

  events.on('completed', ({ jobId, returnvalue }) => {
    const p = pending.get(jobId);
    if (!p) return;
    pending.delete(jobId);
    clearTimeout(p.timer);
    p.resolve((typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as SolveOutcome);
  });
  events.on('failed', ({ jobId, failedReason }) => {
    const p = pending.get(jobId);
    if (!p) return;
    pending.delete(jobId);
    clearTimeout(p.timer);
    p.reject(new AppError('DECODE_FAILED', failedReason.startsWith('decoding failed') ? failedReason : `decoding failed: ${failedReason}`, 502));
  });
  events.on('error', (err) => deps.logger.warn({ err }, 'queue events error'));
  await events.waitUntilReady();
  await queue.waitUntilReady();

  const depth = async () => {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0);
  };
  // Polled, not per request: the gauge needs seconds resolution, the request path none of it.
  const depthTimer = deps.onDepth
    ? setInterval(() => {
        depth().then(deps.onDepth, () => undefined);
      }, deps.depthIntervalMs ?? 1_000)
    : undefined;
  depthTimer?.unref();

  return {
    mode: 'bullmq',
    async enqueueAndWait(job, timeoutMs, clientGone) {
      if (closed) throw new UnavailableError('queue is shutting down');
      const release = admission.admit();
      const waiting = new Promise<SolveOutcome>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(job.requestId);
          reject(new TimeoutError(`no result within ${timeoutMs} ms`, { requestId: job.requestId }));
        }, timeoutMs);
        // Registered before the add: a fast worker may complete before add() resolves.
        pending.set(job.requestId, { resolve, reject, timer });
        clientGone?.addEventListener(
          'abort',
          () => {
            if (!pending.delete(job.requestId)) return;
            clearTimeout(timer);
            deps.abandoned?.mark(job.requestId, clock()).catch((err: unknown) => deps.logger.debug({ err: (err as Error).message }, 'could not mark an abandoned job'));
            reject(new ClientGoneError(`request ${job.requestId}: the client has gone`));
          },
          { once: true },
        );
        queue.add('solve', job, { jobId: job.requestId }).catch((err: unknown) => {
          pending.delete(job.requestId);
          clearTimeout(timer);
          deps.logger.warn({ err: (err as Error).message }, 'queue add failed');
          reject(new UnavailableError('the decode queue is unavailable; retry shortly', 2));
        });
      });
      return waiting.finally(release);
    },
    depth,
    async ping() {
      await connection.ping();
    },
    async close() {
      closed = true;
      if (depthTimer) clearInterval(depthTimer);
      // Let waiters in flight finish (bounded by their own timeouts).
      while (pending.size > 0) await new Promise((r) => setTimeout(r, 20));
      await events.close();
      await queue.close();
      connection.disconnect();
      eventsConnection.disconnect();
    },
  };
}

export interface DecodeWorker {
  close(): Promise<void>;
  ping(): Promise<void>;
}

/** The worker side: BullMQ Worker running the shared decode processor with `concurrency` slots. */
export async function createBullDecodeWorker(deps: {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  process: (job: DecodeJob) => Promise<SolveOutcome>;
  logger: Logger;
}): Promise<DecodeWorker> {
  const connection = createRedis(deps.redisUrl);
  const worker = new Worker<DecodeJob, SolveOutcome>(DECODE_QUEUE, async (job) => deps.process(job.data), {
    connection,
    prefix: deps.prefix,
    concurrency: deps.concurrency,
    removeOnComplete: { count: 0 },
    // A job whose worker died is re-run after this long (the lock is renewed while a job runs):
    // by then its deadline has passed and the processor logs it as a timeout, once.
    lockDuration: 15_000,
    stalledInterval: 15_000,
  });
  worker.on('error', (err) => deps.logger.warn({ err }, 'worker error'));
  await worker.waitUntilReady();
  return {
    async close() {
      // Graceful: finishes active jobs, takes no new ones.
      await worker.close();
      connection.disconnect();
    },
    async ping() {
      await connection.ping();
    },
  };
}
