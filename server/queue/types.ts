import type { Strategy, VariantKey } from '../experiments/experiment-types';

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

export interface ModelUsageLike {
  promptTokens: number;
  generatedTokens: number;
  tokens: number;
  computeMs: number;
  calls: number;
}
export type UsageLike = Record<'draft' | 'target' | 'prm', ModelUsageLike>;

export interface DecodeResultLike {
  answer: number | null;
  text: string;
  steps: readonly unknown[] | number;
  finished: boolean;
  prmScore: number | null;
  latencyMs: number;
  usage: UsageLike;
  draftAcceptance: number | null;
  fallbacks: number;
}

/** The decoder as the worker sees it. */
export interface DecoderLike {
  solve(question: string, options: { strategy: Strategy } & Record<string, unknown>): Promise<DecodeResultLike>;
  /** Readiness probe: throws when the models cannot run (absent for stand-ins that need none). */
  check?(): Promise<void>;
}

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
