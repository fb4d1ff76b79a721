import type { Logger } from 'pino';
import { gradedCorrect } from '../analysis/outcome';
import { emptyUsage, type Clock, type Outcome, type Usage } from '../vocabulary';
import type { RequestLogRow } from '../telemetry/request-log-row';
import { AppError, ClientGoneError, TimeoutError } from '../errors';
import type { AbandonedRequests } from './abandonment';
import type { DecodeJob, Solver, SolveOutcome } from './types';

export interface ProcessorDeps {
  decoder: Solver;
  /** Hands the row to the batched request-log writer (never awaited on the request path). */
  writeRow: (row: RequestLogRow) => void;
  costUsd: (usage: Usage) => number;
  /** Per-request metrics (requests_total, request_latency_ms). */
  observe?: (variant: string, status: Outcome, latencyMs: number) => void;
  logger: Logger;
  clock: Clock;
  /** Requests whose client has left; absent: every job is decoded. */
  abandoned?: AbandonedRequests;
}

export class DecodeFailedError extends AppError {
  constructor(message: string) {
    super('DECODE_FAILED', `decoding failed: ${message}`, 502);
  }
}

const NO_USAGE: Usage = emptyUsage();

/**
 * The worker's job: run the variant's strategy, grade, price, log the row. Shared by the
 * BullMQ worker and the in-process queue, so both log identically; the API never writes
 * request_log itself. What a failure or a late answer means is outcome.ts's to say:
 * an error is logged with what it spent; an answer after the deadline is a timeout at the
 * deadline; a job whose deadline passed before it started, or whose client has left, is not
 * decoded at all.
 */
export function createDecodeProcessor(deps: ProcessorDeps): (job: DecodeJob) => Promise<SolveOutcome> {
  const { decoder, writeRow, costUsd, observe, logger, clock, abandoned } = deps;
  return async (job) => {
    const startedAt = clock();
    const log = (status: Outcome, finishedAt: number, usage: Usage, fields: Partial<RequestLogRow>): RequestLogRow => {
      // The user waited until the deadline, not longer: a timeout counts at its deadline.
      const latencyMs = status === 'timeout' ? job.deadline - job.receivedAt : finishedAt - job.receivedAt;
      const label = job.reference === null ? null : fields.answer !== undefined && fields.answer !== null && fields.answer === job.reference;
      const correct = gradedCorrect(status, label);
      const row: RequestLogRow = {
        requestId: job.requestId,
        experiment: job.experiment,
        stage: job.stage,
        variant: job.variant,
        strategy: job.strategy,
        unitHash: job.unitHash,
        receivedAt: new Date(job.receivedAt),
        startedAt: new Date(startedAt),
        finishedAt: new Date(finishedAt),
        queueWaitMs: Math.max(0, startedAt - job.receivedAt),
        decodeMs: finishedAt - startedAt,
        latencyMs,
        draftTokens: usage.draft.tokens,
        targetTokens: usage.target.tokens,
        prmTokens: usage.prm.tokens,
        draftMs: usage.draft.computeMs,
        targetMs: usage.target.computeMs,
        prmMs: usage.prm.computeMs,
        modelCalls: usage.draft.calls + usage.target.calls + usage.prm.calls,
        targetFallbacks: null,
        draftAcceptance: null,
        costUsd: costUsd(usage),
        prmScore: null,
        answer: null,
        reference: job.reference,
        correct,
        gradingSource: correct === null ? 'none' : 'reference',
        error: null,
        status,
        ...fields,
      };
      writeRow(row);
      observe?.(job.variant, status, latencyMs);
      return row;
    };

    if (startedAt >= job.deadline) {
      // The client has had its 504: decoding now would spend compute nobody receives.
      log('timeout', startedAt, NO_USAGE, { error: 'deadline passed before decoding started' });
      throw new TimeoutError(`request ${job.requestId} expired in the queue`);
    }
    if (abandoned && startedAt - job.receivedAt >= abandoned.lookupAfterWaitMs) {
      // A failed lookup decodes the job: wasted compute is better than a request never answered.
      const leftAt = await abandoned.leftAt(job.requestId).catch(() => null);
      if (leftAt !== null) {
        const waited = Math.round(leftAt - job.receivedAt);
        log('error', startedAt, NO_USAGE, { error: `client disconnected after ${waited} ms, before decoding started; not decoded` });
        throw new ClientGoneError(`request ${job.requestId}: the client has gone`);
      }
    }
    let result;
    try {
      result = await decoder.solve(job.question, { ...job.params, strategy: job.strategy });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const spent = (err as { usage?: Usage }).usage ?? NO_USAGE;
      log('error', clock(), spent, { error: message.slice(0, 500) });
      logger.warn({ requestId: job.requestId, err }, 'decode failed');
      const cause = (err as { cause?: unknown }).cause ?? err;
      throw cause instanceof AppError ? cause : new DecodeFailedError(message);
    }
    const finishedAt = clock();
    const status: Outcome = finishedAt > job.deadline ? 'timeout' : 'ok';
    const row = log(status, finishedAt, result.usage, {
      targetFallbacks: job.strategy === 'specs' ? result.fallbacks : null,
      draftAcceptance: result.draftAcceptance,
      prmScore: result.prmScore,
      answer: result.answer,
    });
    return {
      requestId: job.requestId,
      experiment: job.experiment,
      stage: job.stage,
      variant: job.variant,
      strategy: job.strategy,
      status,
      answer: result.answer,
      correct: row.correct,
      gradingSource: row.correct === null ? 'none' : 'reference',
      text: result.text,
      steps: result.steps.length,
      finished: result.finished,
      prmScore: result.prmScore,
      draftAcceptance: result.draftAcceptance,
      fallbacks: result.fallbacks,
      latencyMs: row.latencyMs,
      queueWaitMs: row.queueWaitMs ?? 0,
      decodeMs: row.decodeMs ?? 0,
      costUsd: row.costUsd,
      tokens: { draft: result.usage.draft.tokens, target: result.usage.target.tokens, prm: result.usage.prm.tokens },
    };
  };
}
