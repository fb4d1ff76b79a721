import { generateSteps } from './generate-step';
import { scorePath, scoreSteps } from './prm-scoring';
import { scoreContinuations, stepTokens } from './score-continuations';
import { appendTokens, resolveState, startState, type ModelContext, type SeqState } from './seq-state';
import type { LanguageModel, RewardModel } from './types';

/** The strategies' LanguageModel over an ONNX decoder, bound to one request's usage meter. */
export function onnxLanguageModel(base: ModelContext): LanguageModel<SeqState> {
  const ctx: ModelContext = { ...base, encoded: new WeakMap() };
  return {
    start: (prompt) => startState(ctx.tokenizer, prompt),
    extend: (state, step) => appendTokens(resolveState(ctx, state), stepTokens(ctx, step)),
    sampleSteps: (states, options, rng) => generateSteps(ctx, states, options, rng),
    scoreContinuations: (state, continuations) => scoreContinuations(ctx, state, continuations),
  };
}

export function onnxRewardModel(base: ModelContext): RewardModel<SeqState> {
  const ctx: ModelContext = { ...base, encoded: new WeakMap() };
  return {
    start: (prompt) => startState(ctx.tokenizer, prompt),
    scoreSteps: (states, steps) => scoreSteps(ctx, states, steps),
    scorePath: (state, steps) => scorePath(ctx, state, steps),
  };
}
