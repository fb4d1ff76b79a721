export { createDecoder, validateQuestion, type Decoder, type DecoderConfig, type DecoderInfo, type SolveResult } from './decoder';
export { STRATEGIES, parseSolveOptions, solveOptionsSchema, type SolveOptions, type SolveOptionsInput, type Strategy } from './options';
export { DecodingOptionsError, ModelLoadError, QuestionValidationError } from './errors';
export { SPECS_DEFAULTS } from './strategies/specs';
export type { ModelUsage, Usage } from './accounting';
export type { StepRecord, ModelRole } from './types';
export { readModelContext } from './model-session';
export { warmUpDecoder, type WarmUpConfig } from './warm-up';
