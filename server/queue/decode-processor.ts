import type { Logger } from 'pino';
import type { RequestLogRow } from '../telemetry/request-log-row';
import { AppError } from '../errors';
import type { Clock } from './clock';
import type { DecodeJob, DecoderLike, SolveOutcome, UsageLike } from './types';

/** One request_log row, as the telemetry writer takes it. */
export type LogRow = RequestLogRow;

export interface ProcessorDeps {
  decoder: DecoderLike;
  /** Hands the row to the batched request-log writer (never awaited on the request path). */
  writeRow: (row: LogRow) => void;
  costUsd: (usage: UsageLike) => number;
  /** Per-request metrics (requests_total, request_latency_ms). */
  observe?: (variant: string, status: 'ok' | 'error', latencyMs: number) => void;
  logger: Logger;
  clock: Clock;
}

export class DecodeFailedError extends AppError {
  constructor(message: string) {
    super('DECODE_FAILED', `decoding failed: ${message}`, 502);
  }
}

const countSteps = (steps: readonly unknown[] | number) => (typeof steps === 'number' ? steps : steps.length);

/**
 * The worker's job: run the variant's strategy, grade, price, log the row.
 * Shared by the BullMQ worker and the in-process queue, so both log identically;
 * the API never writes request_log itself.
 */
export function createDecodeProcessor(deps: ProcessorDeps): (job: DecodeJob) => Promise<SolveOutcome> {
  const { decoder, writeRow, costUsd, observe, logger, clock } = deps;
  return async (job) => {
    const startedAt = clock();
    const base = {
      requestId: job.requestId,
      experiment: job.experiment,
      stage: job.stage,
      variant: job.variant,
      strategy: job.strategy,
      unitHash: job.unitHash,
      receivedAt: new Date(job.receivedAt),
      startedAt: new Date(startedAt),
      queueWaitMs: Math.max(0, startedAt - job.receivedAt),
      reference: job.reference,
    };
    let result;
    try {
      result = await decoder.solve(job.question, { ...job.params, strategy: job.strategy });
    } catch (err) {
      const finishedAt = clock();
      const message = err instanceof Error ? err.message : String(err);
      writeRow({
        ...base,
        finishedAt: new Date(finishedAt),
        decodeMs: finishedAt - startedAt,
        latencyMs: finishedAt - job.receivedAt,
        draftTokens: 0,
        targetTokens: 0,
        prmTokens: 0,
        draftMs: 0,
        targetMs: 0,
        prmMs: 0,
        modelCalls: 0,
        targetFallbacks: null,
        draftAcceptance: null,
        costUsd: 0,
        prmScore: null,
        answer: null,
        correct: null,
        gradingSource: 'none',
        error: message.slice(0, 500),
        status: 'error',
      });
      observe?.(job.variant, 'error', finishedAt - job.receivedAt);
      logger.warn({ requestId: job.requestId, err }, 'decode failed');
      throw err instanceof AppError ? err : new DecodeFailedError(message);
    }
    const finishedAt = clock();
    const decodeMs = finishedAt - startedAt;
    const latencyMs = finishedAt - job.receivedAt;
    const { usage } = result;
    const correct = job.reference === null ? null : result.answer !== null && result.answer === job.reference;
    const cost = costUsd(usage);
    writeRow({
      ...base,
      finishedAt: new Date(finishedAt),
      decodeMs,
      latencyMs,
      draftTokens: usage.draft.tokens,
      targetTokens: usage.target.tokens,
      prmTokens: usage.prm.tokens,
      draftMs: usage.draft.computeMs,
      targetMs: usage.target.computeMs,
      prmMs: usage.prm.computeMs,
      modelCalls: usage.draft.calls + usage.target.calls + usage.prm.calls,
      targetFallbacks: job.strategy === 'specs' ? result.fallbacks : null,
      draftAcceptance: result.draftAcceptance,
      costUsd: cost,
      prmScore: result.prmScore,
      answer: result.answer,
      correct,
      gradingSource: correct === null ? 'none' : 'reference',
      error: null,
      status: 'ok',
    });
    observe?.(job.variant, 'ok', latencyMs);
    return {
      requestId: job.requestId,
      experiment: job.experiment,
      stage: job.stage,
      variant: job.variant,
      strategy: job.strategy,
      answer: result.answer,
      correct,
      gradingSource: correct === null ? 'none' : 'reference',
      text: result.text,
      steps: countSteps(result.steps),
      finished: result.finished,
      prmScore: result.prmScore,
      draftAcceptance: result.draftAcceptance,
      fallbacks: result.fallbacks,
      latencyMs,
      queueWaitMs: base.queueWaitMs,
      decodeMs,
      costUsd: cost,
      tokens: { draft: usage.draft.tokens, target: usage.target.tokens, prm: usage.prm.tokens },
    };
  };
}
