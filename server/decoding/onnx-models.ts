import { generateSteps } from './generate-step';
import { scorePath, scoreSteps } from './prm-scoring';
import { scoreContinuations, stepTokens } from './score-continuations';
import { appendTokens, startState, type ModelContext, type SeqState } from './seq-state';
import type { LanguageModel, RewardModel } from './types';

/** The strategies' LanguageModel over an ONNX decoder, bound to one request's usage meter. */
export function onnxLanguageModel(ctx: ModelContext): LanguageModel<SeqState> {
  return {
    start: (prompt) => startState(ctx.tokenizer, prompt),
    extend: (state, step) => appendTokens(state, stepTokens(ctx, step)),
    sampleSteps: (states, options, rng) => generateSteps(ctx, states, options, rng),
    scoreContinuations: (state, continuations) => scoreContinuations(ctx, state, continuations),
  };
}

export function onnxRewardModel(ctx: ModelContext): RewardModel<SeqState> {
  return {
    start: (prompt) => startState(ctx.tokenizer, prompt),
    scoreSteps: (states, steps) => scoreSteps(ctx, states, steps),
    scorePath: (state, steps) => scorePath(ctx, state, steps),
  };
}
