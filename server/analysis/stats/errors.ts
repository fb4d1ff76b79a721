/**
 * Malformed input (wrong shapes, negative counts) throws; merely degenerate
 * input (too few units, zero variance) returns a result flagged `insufficient`.
 */
export class StatsInputError extends Error {
  override readonly name = 'StatsInputError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
