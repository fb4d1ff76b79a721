import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Assigner } from '../../assignment';
import { AppError, ClientGoneError, retryAfterOf, TimeoutError, ValidationError } from '../../errors';
import { experimentKeySchema, type ExperimentsService } from '../../experiments';
import type { DecodeQueue } from '../../queue';
import type { Clock, Outcome } from '../../vocabulary';
import { validateQuestion } from '../../decoding';
import type { RequireRole } from '../auth';
import { handle } from '../handler';

const solveBody = z.object({
  question: z.string().min(1).max(500),
  unitId: z.string().min(1).max(200).optional(),
  // The answer space is [0, 9999]; the column is int4, so anything wider would be a dead-lettered row.
  reference: z.number().int().min(0).max(2_147_483_647).nullable().optional(),
  experiment: experimentKeySchema.optional(),
});

const feedbackBody = z.object({
  // The service issues UUIDs; anything else could never match and would only sit in pending feedback.
  requestId: z.uuid(),
  correct: z.boolean(),
});

export interface SolveRoutesDeps {
  experiments: ExperimentsService;
  assigner: Assigner;
  queue: DecodeQueue;
  solveTimeoutMs: number;
  /** The models' context in tokens: a question whose solution cannot fit is a 400, not a failed decode. */
  contextTokens?: number;
  clock: Clock;
  requireRole: RequireRole;
  /** Applies a late correctness label (telemetry); `applied: false` when the request is not logged (yet). */
  recordFeedback: (requestId: string, correct: boolean) => Promise<{ applied: boolean }>;
  /** Per-key request limit on solves (429 with Retry-After); absent: none. */
  rateLimit?: RequestHandler;
  /** Metrics hook, called once per solve that reached the queue (API side, so every queue mode counts alike). */
  onOutcome?: (variant: string, status: Outcome, latencyMs: number) => void;
}

/** Marks when the request arrived, before body parsing, for the logged total latency. */
export const RECEIVED_AT = 'receivedAt';

export function createSolveRouter(deps: SolveRoutesDeps): Router {
  const router = Router();

  router.post(
    '/v1/solve',
    deps.requireRole('service'),
    ...(deps.rateLimit ? [deps.rateLimit] : []),
    handle({ body: solveBody }, async ({ body }, res) => {
      const receivedAt = (res.locals[RECEIVED_AT] as number | undefined) ?? deps.clock();
      try {
        validateQuestion(body.question, deps.contextTokens);
      } catch (err) {
        throw new ValidationError(`body.question: ${(err as Error).message}`, 'body.question');
      }
      const experiment = await deps.experiments.resolveRunning(body.experiment, 'body.experiment');
      const assignment = await deps.assigner.assign(experiment, body.unitId);
      const variant = experiment.variants[assignment.variant];
      const requestId = randomUUID();
      res.setHeader('x-request-id', requestId);
      // A client that hangs up before its answer should not have its job decoded for nobody.
      const clientGone = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) clientGone.abort();
      });
      try {
        const outcome = await deps.queue.enqueueAndWait(
          {
            requestId,
            experiment: experiment.key,
            stage: experiment.stage,
            variant: assignment.variant,
            strategy: variant.strategy,
            params: variant.params,
            unitHash: assignment.unitHash,
            question: body.question,
            reference: body.reference ?? null,
            receivedAt,
            deadline: receivedAt + deps.solveTimeoutMs,
          },
          deps.solveTimeoutMs,
          clientGone.signal,
        );
        deps.onOutcome?.(assignment.variant, 'ok', deps.clock() - receivedAt);
        return { ...outcome, unitId: assignment.unitId };
      } catch (err) {
        deps.onOutcome?.(assignment.variant, err instanceof TimeoutError ? 'timeout' : 'error', deps.clock() - receivedAt);
        if (err instanceof ClientGoneError) return undefined;
        if (err instanceof AppError) {
          // A 504: the worker still logs the request (as a timeout); the caller gets its id to look it up.
          const retryAfter = retryAfterOf(err);
          if (retryAfter) res.setHeader('retry-after', String(retryAfter));
          res.status(err.status).json({
            error: { code: err.code, message: err instanceof TimeoutError ? `solve timed out after ${deps.solveTimeoutMs} ms` : err.message },
            requestId,
          });
          return undefined;
        }
        throw err;
      }
    }),
  );

  router.post(
    '/v1/feedback',
    deps.requireRole('service'),
    handle({ body: feedbackBody }, async ({ body }) => {
      const { applied } = await deps.recordFeedback(body.requestId, body.correct);
      return { requestId: body.requestId, correct: body.correct, applied };
    }),
  );

  return router;
}
