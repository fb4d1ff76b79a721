import { ClientGoneError, TimeoutError, UnavailableError } from '../errors';
import type { AbandonedRequests } from './abandonment';
import { createAdmission } from './admission';
import { wallClockMs } from '../vocabulary';
import type { DecodeJob, DecodeQueue, SolveOutcome } from './types';

/**
 * The queue without Redis: same interface and the same concurrency limit as
 * the BullMQ workers, jobs run in this process.
 */
export function createInProcessQueue(deps: {
  process: (job: DecodeJob) => Promise<SolveOutcome>;
  concurrency: number;
  /** Solves queued or running before load is shed (503). */
  maxPending: number;
  /** Expected wait beyond which a solve is shed (admission.ts); absent: the depth cap only. */
  maxWaitMs?: number;
  onDepth?: (depth: number) => void;
  /** Shared with the processor, which skips the jobs marked here. */
  abandoned?: AbandonedRequests;
  clock?: () => number;
}): DecodeQueue {
  const clock = deps.clock ?? wallClockMs;
  const admission = createAdmission({ maxPending: deps.maxPending, maxWaitMs: deps.maxWaitMs });
  const waiting: { job: DecodeJob; done: (r: Promise<SolveOutcome>) => void }[] = [];
  let active = 0;
  let closed = false;
  const idle = new Set<() => void>();

  const pump = () => {
    while (active < deps.concurrency && waiting.length > 0) {
      const next = waiting.shift()!;
      active++;
      const run = deps.process(next.job);
      next.done(run);
      run.catch(() => undefined).finally(() => {
        active--;
        if (active === 0 && waiting.length === 0) for (const f of idle) f();
        pump();
      });
    }
    deps.onDepth?.(waiting.length);
  };

  return {
    mode: 'in-process',
    async enqueueAndWait(job, timeoutMs, clientGone) {
      if (closed) throw new UnavailableError('queue is shutting down');
      const release = admission.admit();
      // The slot is held until the job itself ends (a timed-out waiter's job still runs).
      return new Promise<SolveOutcome>((resolve, reject) => {
        const timer = setTimeout(() => reject(new TimeoutError(`no result within ${timeoutMs} ms`, { requestId: job.requestId })), timeoutMs);
        clientGone?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            void deps.abandoned?.mark(job.requestId, clock());
            reject(new ClientGoneError(`request ${job.requestId}: the client has gone`));
          },
          { once: true },
        );
        waiting.push({
          job,
          done: (run) => {
            void run.catch(() => undefined).finally(release);
            return run.then(
              (r) => {
                clearTimeout(timer);
                resolve(r);
              },
              (e: unknown) => {
                clearTimeout(timer);
                reject(e);
              },
            );
          },
        });
        pump();
      });
    },
    depth: async () => waiting.length,
    ping: async () => undefined,
    async close() {
      closed = true;
      if (active === 0 && waiting.length === 0) return;
      await new Promise<void>((resolve) => idle.add(resolve));
    },
  };
}
