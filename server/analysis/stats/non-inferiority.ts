import { studentTCdf, studentTQuantile } from './distributions';
import { effectMoments, resolveSequential } from './mean-tests';
import { meanMoments, proportionMoments } from './moments';
import { sequentialHalfwidthOneSided, sequentialOneSidedPValue } from './sequential';
import { DEFAULT_ALPHA, type ArmMoments, type DifferenceType, type MeanStats, type ProportionStats, type SequentialOptions } from './types';

export type Direction = 'higher-is-better' | 'lower-is-better';

export interface NonInferiorityOptions {
  /** Largest tolerated degradation, ≥ 0, in effect units (metric units if absolute, a fraction if relative). */
  margin: number;
  direction: Direction;
  difference?: DifferenceType;
  metric?: 'mean' | 'proportion';
  alpha?: number;
  sequential?: SequentialOptions | boolean;
}

export interface NonInferiorityResult {
  /** The one-sided (1−α) bound excludes a degradation larger than the margin. */
  nonInferior: boolean;
  /** One-sided p-value of H0 "degradation ≥ margin". */
  pValue: number;
  /** The one-sided bound on the effect on the degradation side (lower if higher-is-better). */
  bound: number;
  /** The opposite one-sided (1−α) bound shows the degradation exceeds the margin: confidently inferior. */
  inferior: boolean;
  /** The bound on the improvement side, used for `inferior`. */
  oppositeBound: number;
  effect: number;
  stddev: number;
  margin: number;
  sequential: boolean;
  insufficient?: true;
  reason?: string;
}

export function nonInferiorityFromMoments(control: ArmMoments, treatment: ArmMoments, o: NonInferiorityOptions): NonInferiorityResult {
  const alpha = o.alpha ?? DEFAULT_ALPHA;
  const seq = resolveSequential(o.sequential);
  const higher = o.direction === 'higher-is-better';
  const margin = Math.abs(o.margin);
  const em = effectMoments(control, treatment, o.difference ?? 'absolute');
  if (!em.ok) {
    return {
      nonInferior: false,
      pValue: 1,
      bound: higher ? -Infinity : Infinity,
      inferior: false,
      oppositeBound: higher ? Infinity : -Infinity,
      effect: 0,
      stddev: 0,
      margin,
      sequential: seq !== null,
      insufficient: true,
      reason: em.reason,
    };
  }
  const { effect, variance, df, n } = em.moments;
  const se = Math.sqrt(variance);
  // Orient so that "good" is positive: d > −margin is non-inferior.
  const d = higher ? effect : -effect;
  const hw = seq ? sequentialHalfwidthOneSided(se, n, alpha, seq.tuning) : studentTQuantile(1 - alpha, df) * se;
  const pValue = seq ? sequentialOneSidedPValue(d + margin, se, n, alpha, seq.tuning) : studentTCdf(-(d + margin) / se, df);
  const lowerGood = d - hw;
  const upperGood = d + hw;
  return {
    nonInferior: lowerGood > -margin,
    pValue,
    bound: higher ? lowerGood : -lowerGood,
    inferior: upperGood < -margin,
    oppositeBound: higher ? upperGood : -upperGood,
    effect,
    stddev: se,
    margin,
    sequential: seq !== null,
  };
}

export function nonInferiority(
  control: MeanStats | ProportionStats,
  treatment: MeanStats | ProportionStats,
  options: NonInferiorityOptions,
): NonInferiorityResult {
  const toMoments = (s: MeanStats | ProportionStats): ArmMoments =>
    options.metric === 'proportion' ? proportionMoments(s) : meanMoments({ ...s, sumSquares: s.sumSquares ?? 0 });
  return nonInferiorityFromMoments(toMoments(control), toMoments(treatment), options);
}
