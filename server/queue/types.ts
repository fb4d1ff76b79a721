import type { Decoder } from '../decoding/decoder';
import type { Strategy, VariantKey } from '../vocabulary';

/** What the API puts on the queue: everything the worker needs, nothing it must look up. */
export interface DecodeJob {
  readonly requestId: string;
  readonly experiment: string;
  readonly stage: number;
  readonly variant: VariantKey;
  readonly strategy: Strategy;
  readonly params: Readonly<Record<string, unknown>>;
  readonly unitHash: string;
  readonly question: string;
  readonly reference: number | null;
  /** Epoch ms (fractional) when the API received the request. */
  readonly receivedAt: number;
  /** Epoch ms after which the client has its 504: the answer is a timeout, and an unstarted job is dropped. */
  readonly deadline: number;
}

/**
 * The decoder as the worker uses it: server/decoding's Decoder (its readiness probe is
 * optional so that tests can stand in a decoder that needs no models).
 */
export type Solver = Pick<Decoder, 'solve'> & Partial<Pick<Decoder, 'check'>>;

/** The API's response payload for one solve, produced by the worker. */
export interface SolveOutcome {
  requestId: string;
  experiment: string;
  stage: number;
  variant: VariantKey;
  strategy: Strategy;
  /** 'timeout' when the answer came after the deadline (the API has already answered 504 then). */
  status: 'ok' | 'timeout';
  answer: number | null;
  correct: boolean | null;
  gradingSource: 'reference' | 'none';
  text: string;
  steps: number;
  finished: boolean;
  prmScore: number | null;
  draftAcceptance: number | null;
  fallbacks: number;
  latencyMs: number;
  queueWaitMs: number;
  decodeMs: number;
  costUsd: number;
  tokens: { draft: number; target: number; prm: number };
}

export interface DecodeQueue {
  readonly mode: 'bullmq' | 'in-process';
  /**
   * Resolves with the worker's outcome, or rejects with a TimeoutError after `timeoutMs` (the job
   * still runs and is logged). When `clientGone` aborts, rejects with a ClientGoneError at once and
   * marks the job abandoned, so a worker that has not started it logs it without decoding it.
   */
  enqueueAndWait(job: DecodeJob, timeoutMs: number, clientGone?: AbortSignal): Promise<SolveOutcome>;
  /** Jobs waiting (not yet started). */
  depth(): Promise<number>;
  ping(): Promise<void>;
  /** Stops accepting, waits for in-flight jobs (in-process) and closes connections. */
  close(): Promise<void>;
}
