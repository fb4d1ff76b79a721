import { studentTCdf, studentTQuantile } from './distributions';
import { meanMoments, proportionMoments, ratioMoments } from './moments';
import { sequentialHalfwidth, sequentialPValue } from './sequential';
import {
  DEFAULT_ALPHA,
  DEFAULT_SEQUENTIAL_TUNING,
  type ArmMoments,
  type CompareOptions,
  type DifferenceType,
  type MeanStats,
  type ProportionStats,
  type RatioStats,
  type TestResult,
} from './types';

export interface EffectMoments {
  effect: number;
  variance: number;
  /** Welch–Satterthwaite df on the per-arm variances (as gbstats, also for relative effects). */
  df: number;
  /** Total sample size of both arms, the N of the confidence sequence. */
  n: number;
}

export type EffectMomentsOrReason = { ok: true; moments: EffectMoments } | { ok: false; reason: string };

/**
 * Effect and variance of treatment vs control. Relative lift is (μ_t − μ_c)/|μ_c|
 * (gbstats: the sign says which arm is larger even for a negative control mean),
 * its variance by the delta method: Var = σ²_t/(μ_c² n_t) + σ²_c μ_t²/(μ_c⁴ n_c).
 *
 * An arm with zero variance gets gbstats' uninformative result: a sample in which
 * every value is equal says nothing about its spread, and treating its mean as
 * exact knowledge (as pooling the other arm's variance alone would) is how 0/2
 * against 38/150 once became a confident "worse".
 */
export function effectMoments(c: ArmMoments, t: ArmMoments, difference: DifferenceType): EffectMomentsOrReason {
  if (!(c.n >= 2) || !(t.n >= 2)) return { ok: false, reason: 'n < 2 in an arm' };
  if (!(c.variance > 0) || !(t.variance > 0)) return { ok: false, reason: 'zero variance in an arm' };
  if (difference === 'relative' && c.mean === 0) return { ok: false, reason: 'control mean is zero (relative effect undefined)' };
  const effect = difference === 'relative' ? (t.mean - c.mean) / Math.abs(c.mean) : t.mean - c.mean;
  const variance =
    difference === 'relative'
      ? t.variance / (c.mean ** 2 * t.n) + (c.variance * t.mean ** 2) / (c.mean ** 4 * c.n)
      : t.variance / t.n + c.variance / c.n;
  if (!(variance > 0) || !Number.isFinite(variance) || !Number.isFinite(effect)) {
    return { ok: false, reason: 'zero variance' };
  }
  const vt = t.variance / t.n;
  const vc = c.variance / c.n;
  const denom = (vt * vt) / (t.n - 1) + (vc * vc) / (c.n - 1);
  const df = denom > 0 ? (vt + vc) ** 2 / denom : Infinity;
  return { ok: true, moments: { effect, variance, df, n: c.n + t.n } };
}

export function insufficientResult(difference: DifferenceType, sequential: boolean, reason: string): TestResult {
  return { effect: 0, ci: [0, 0], stddev: 0, pValue: 1, df: 0, difference, sequential, insufficient: true, reason };
}

export function resolveSequential(opt: CompareOptions['sequential']): { tuning: number } | null {
  if (!opt) return null;
  if (opt === true) return { tuning: DEFAULT_SEQUENTIAL_TUNING };
  return { tuning: opt.tuning ?? DEFAULT_SEQUENTIAL_TUNING };
}

/** Two-sided Welch t-test (fixed horizon) or confidence sequence (sequential) on arm moments. */
export function compareMoments(control: ArmMoments, treatment: ArmMoments, options: CompareOptions = {}): TestResult {
  const difference = options.difference ?? 'relative';
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const seq = resolveSequential(options.sequential);
  const em = effectMoments(control, treatment, difference);
  if (!em.ok) return insufficientResult(difference, seq !== null, em.reason);
  const { effect, variance, df, n } = em.moments;
  const se = Math.sqrt(variance);
  if (seq) {
    const hw = sequentialHalfwidth(se, n, alpha, seq.tuning);
    return {
      effect,
      ci: [effect - hw, effect + hw],
      stddev: se,
      pValue: sequentialPValue(effect, se, n, alpha, seq.tuning),
      df: Infinity,
      difference,
      sequential: true,
    };
  }
  const width = studentTQuantile(1 - alpha / 2, df) * se;
  return {
    effect,
    ci: [effect - width, effect + width],
    stddev: se,
    pValue: Math.min(1, 2 * studentTCdf(-Math.abs(effect / se), df)),
    df,
    difference,
    sequential: false,
  };
}

export function compareMeans(control: MeanStats, treatment: MeanStats, options: CompareOptions = {}): TestResult {
  return compareMoments(meanMoments(control), meanMoments(treatment), options);
}

export function compareProportions(control: ProportionStats, treatment: ProportionStats, options: CompareOptions = {}): TestResult {
  return compareMoments(proportionMoments(control), proportionMoments(treatment), options);
}

export function compareRatios(control: RatioStats, treatment: RatioStats, options: CompareOptions = {}): TestResult {
  const c = ratioMoments(control);
  const t = ratioMoments(treatment);
  if (c.n === 0 || t.n === 0) {
    const reason = control.n < 2 || treatment.n < 2 ? 'n < 2 in an arm' : 'denominator sum is zero';
    return insufficientResult(options.difference ?? 'relative', !!options.sequential, reason);
  }
  return compareMoments(c, t, options);
}
