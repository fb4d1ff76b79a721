/** Per-arm sufficient statistics of a per-unit metric. */
export interface MeanStats {
  n: number;
  sum: number;
  sumSquares: number;
}

/** Per-arm proportion: `sum` is the number of successes; `sumSquares` is ignored (x² = x for 0/1 data). */
export interface ProportionStats {
  n: number;
  sum: number;
  sumSquares?: number;
}

/**
 * Per-arm sufficient statistics of a ratio metric Σnumerator / Σdenominator
 * (e.g. cost per correct answer = Σcost / Σcorrect), with the cross term
 * Σ numerator·denominator needed by the delta method.
 */
export interface RatioStats {
  n: number;
  numerator: { sum: number; sumSquares: number };
  denominator: { sum: number; sumSquares: number };
  sumProduct: number;
}

export type DifferenceType = 'absolute' | 'relative';

export interface SequentialOptions {
  /** Sample size (both arms together) at which the confidence sequence is tightest; gbstats default 5000. */
  tuning?: number;
}

export interface CompareOptions {
  difference?: DifferenceType;
  alpha?: number;
  /** Present → asymptotic confidence sequence (safe under continuous monitoring). */
  sequential?: SequentialOptions | boolean;
}

/**
 * Degenerate input (n < 2, zero variance, zero control mean for a relative
 * effect) never throws and never yields NaN: the result carries
 * `insufficient: true`, a `reason`, and the uninformative gbstats default
 * (effect 0, ci [0, 0], stddev 0, pValue 1). Callers must check the flag.
 */
export interface TestResult {
  effect: number;
  ci: [number, number];
  stddev: number;
  pValue: number;
  /** Welch–Satterthwaite degrees of freedom (fixed-horizon); Infinity for sequential/normal. */
  df: number;
  difference: DifferenceType;
  sequential: boolean;
  insufficient?: true;
  reason?: string;
}

/** Mean and variance of one arm, the common currency of every two-sample test here. */
export interface ArmMoments {
  n: number;
  mean: number;
  variance: number;
}

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_SEQUENTIAL_TUNING = 5000;
