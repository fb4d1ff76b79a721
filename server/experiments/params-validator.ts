import { ValidationError } from '../errors';
import { parseSolveOptions } from '../decoding/options';
import type { ParamsValidator } from './experiments-service';

/** Variant parameters must be valid decoder options for the variant's strategy; stored as given (defaults stay the decoder's). */
export const decodingParamsValidator: ParamsValidator = (strategy, params, field) => {
  if ('strategy' in params) throw new ValidationError(`${field}.strategy: set the strategy beside params, not inside`, `${field}.strategy`);
  try {
    parseSolveOptions({ ...params, strategy });
  } catch (e) {
    const inner = (e as { field?: string }).field;
    throw new ValidationError(`${field}: ${(e as Error).message}`, inner ? `${field}.${inner}` : field);
  }
  return params;
};
