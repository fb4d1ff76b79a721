/**
 * Variance when units repeat. Requests of one unit are correlated, so per-request
 * variances understate the truth when a unit sends many requests (Deng, Knoblich & Yu
 * 2018). Every request of a unit lands in the same of B hash buckets, so bucket totals
 * are independent; the delta method over buckets (gbstats' ratio statistic, with the
 * bucket as the unit) gives an honest variance of Σy / Σn, and its ratio to the
 * per-request variance is the design effect that widens every interval of the metric.
 *
 * Whether units repeat at all is read off the request counts: with one request per unit,
 * counts over uniformly hashed buckets are multinomial, so their dispersion index is
 * χ²(B − 1); overdispersion beyond p < REPEAT_P_THRESHOLD says units repeat. Without
 * it the design effect is 1 (the per-request analysis, as gbstats would run it).
 */
import { chiSquareSurvival } from './distributions';
import { ratioMoments } from './moments';

export const REPEAT_P_THRESHOLD = 0.01;

export interface BucketRatio {
  /** Denominator total of the bucket (requests, graded requests, latency observations). */
  n: number;
  /** Numerator total (failures, correct answers, latency sum, cost sum). */
  y: number;
}

/** p-value of "one request per unit" from the request counts of all B buckets (zeros included). */
export function unitRepeatPValue(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const b = counts.length;
  if (b < 2 || total < 2 * b) return 1;
  const expected = total / b;
  const chi = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  return chiSquareSurvival(chi, b - 1);
}

/** Variance of Σy/Σn by the delta method with buckets as units; null when undefined. */
export function bucketRatioVariance(buckets: readonly BucketRatio[]): number | null {
  const B = buckets.length;
  let sy = 0;
  let syy = 0;
  let sn = 0;
  let snn = 0;
  let syn = 0;
  for (const { n, y } of buckets) {
    sy += y;
    syy += y * y;
    sn += n;
    snn += n * n;
    syn += y * n;
  }
  const m = ratioMoments({ n: B, numerator: { sum: sy, sumSquares: syy }, denominator: { sum: sn, sumSquares: snn }, sumProduct: syn });
  return m.n > 1 ? m.variance / B : null;
}

/**
 * max(1, bucket variance / per-request variance) when units repeat, else 1.
 * `iidVariance` is the per-request variance of the same ratio (σ²/N).
 */
export function designEffect(buckets: readonly BucketRatio[], requestCounts: readonly number[], iidVariance: number): number {
  if (!(iidVariance > 0) || unitRepeatPValue(requestCounts) >= REPEAT_P_THRESHOLD) return 1;
  const v = bucketRatioVariance(buckets);
  return v === null ? 1 : Math.max(1, v / iidVariance);
}
