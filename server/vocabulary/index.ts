/**
 * The words every capability shares, each defined once: decoding, the queue, telemetry,
 * experiments, analysis and rollout import them from here instead of keeping look-alike
 * copies that drift apart. Types and constants only: no behaviour, no I/O.
 */

/** Decoding strategies a variant can run. The baseline is `beam-target`; the candidate `specs`. */
export const STRATEGIES = ['beam-target', 'beam-draft', 'specs', 'greedy-target', 'greedy-draft'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** The two arms of every experiment. */
export const VARIANT_KEYS = ['baseline', 'specs'] as const;
export type VariantKey = (typeof VARIANT_KEYS)[number];

/** The three models behind the decoders. */
export const MODEL_ROLES = ['draft', 'target', 'prm'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

/** What one model spent on one request. */
export interface ModelUsage {
  /** Prompt tokens run through the model (a prompt shared by forked rows counts once). */
  promptTokens: number;
  /** Every other token run through the model: generated, verified (scored) or caught up. */
  generatedTokens: number;
  tokens: number;
  /** Wall time inside the model runtime. */
  computeMs: number;
  calls: number;
}
export type Usage = Record<ModelRole, ModelUsage>;

export const emptyModelUsage = (): ModelUsage => ({ promptTokens: 0, generatedTokens: 0, tokens: 0, computeMs: 0, calls: 0 });
export const emptyUsage = (): Usage => ({ draft: emptyModelUsage(), target: emptyModelUsage(), prm: emptyModelUsage() });

/** How a request ended; what each means for analysis is server/analysis/outcome.ts's to say. */
export const OUTCOMES = ['ok', 'error', 'timeout'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Where a request's correctness label came from. */
export const GRADING_SOURCES = ['reference', 'feedback', 'none'] as const;
export type GradingSource = (typeof GRADING_SOURCES)[number];

/**
 * Epoch milliseconds. Request timings cross processes (the API receives, a worker starts and
 * finishes), so the production clock is the wall clock, with the sub-millisecond fraction
 * that Date.now() would round away; tests pass their own.
 */
export type Clock = () => number;
export const wallClockMs: Clock = () => performance.timeOrigin + performance.now();
