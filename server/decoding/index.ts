export { createDecoder, validateQuestion, type Decoder, type DecoderConfig, type DecoderInfo, type SolveResult } from './decoder';
export { parseSolveOptions, solveOptionsSchema, type SolveOptions, type SolveOptionsInput } from './options';
export { DecodingOptionsError, ModelLoadError, QuestionValidationError } from './errors';
export { SPECS_DEFAULTS } from './strategies/specs';
export type { StepRecord } from './types';
export { readModelContext } from './model-session';
export { warmUpDecoder, type WarmUpConfig } from './warm-up';
