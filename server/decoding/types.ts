/**
 * Contracts between the pure search strategies and the model runtimes.
 * States are opaque handles owned by the model implementation: the ONNX runtime
 * keeps KV caches behind them, test fakes keep plain text.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
}


/** One generated line. `eos`: the model stopped with end-of-sequence instead of "\n". */
export interface Step {
  readonly text: string;
  readonly eos: boolean;
}

export interface SampleOptions {
  /** 0 = greedy (argmax). */
  readonly temperature: number;
  readonly topP: number;
  readonly maxTokens: number;
}

export interface SampledStep<S> extends Step {
  /** log q of each generated token under the proposal it was sampled from (tempered, top-p), the stop token included. */
  readonly tokenLogprobs: readonly number[];
  /** log p of each generated token under the model itself (temperature 1, no top-p): the step's likelihood, whatever it was sampled with. */
  readonly modelLogprobs: readonly number[];
  /** Hit the token limit without "\n" / <eos>; a "\n" was appended to the text. */
  readonly truncated: boolean;
  /** Model state after the step. */
  readonly state: S;
}

export interface ContinuationScore<S> {
  readonly tokenLogprobs: readonly number[];
  readonly meanLogprob: number;
  /** Model state after prefix + continuation. */
  readonly state: S;
}

export interface LanguageModel<S = unknown> {
  /** State holding the prompt (not yet encoded). */
  start(prompt: string): S;
  /** Appends text written elsewhere (lazily: encoded with the next call that uses the state). */
  extend(state: S, step: Step): S;
  /** Samples one step per state (states may repeat: that forks the prefix). */
  sampleSteps(states: readonly S[], options: SampleOptions, rng: Rng): Promise<SampledStep<S>[]>;
  /** Log-probabilities of each continuation after one shared prefix, all in one batch. */
  scoreContinuations(state: S, continuations: readonly Step[]): Promise<ContinuationScore<S>[]>;
}

export interface StepReward<P> {
  /** P(solution so far is right) at the step's last token. */
  readonly score: number;
  readonly state: P;
}

export interface RewardModel<P = unknown> {
  start(prompt: string): P;
  /** Scores states[i] + steps[i] for every i, in one batch. */
  scoreSteps(states: readonly P[], steps: readonly Step[]): Promise<StepReward<P>[]>;
  /** Score after each step of a whole path, in one pass. */
  scorePath(state: P, steps: readonly Step[]): Promise<number[]>;
}

export interface StepRecord {
  readonly text: string;
  readonly model: 'draft' | 'target';
  readonly prmScore: number;
  /** SPECS draft-step score s = mean log-ratio + λ·r (draft steps only). */
  readonly score?: number;
  /** SPECS: whether this step was an accepted draft. */
  readonly accepted?: boolean;
}

export interface SearchResult {
  readonly steps: readonly StepRecord[];
  /** Ended with an answer line or <eos>. */
  readonly finished: boolean;
  readonly prmScore: number | null;
  readonly draftAttempts: number;
  readonly draftAccepted: number;
  readonly fallbacks: number;
}

/** An answer line ("A: ...") or <eos> ends a solution. */
export function isFinalStep(step: Step): boolean {
  return step.eos || step.text.startsWith('A:');
}
