import { chiSquareSurvival } from './distributions';
import { StatsInputError } from './errors';

/** Below this p-value the split is declared broken (the industry-standard SRM threshold). */
export const SRM_P_THRESHOLD = 0.001;

export interface SrmResult {
  chiSquare: number;
  df: number;
  pValue: number;
  mismatch: boolean;
  expected: number[];
  insufficient?: true;
  reason?: string;
}

/** Chi-square goodness-of-fit of observed arm counts against configured weights. */
export function sampleRatioMismatch(counts: number[], weights: number[], threshold = SRM_P_THRESHOLD): SrmResult {
  if (counts.length !== weights.length) throw new StatsInputError('counts and weights differ in length', 'weights');
  if (counts.some((c) => !(c >= 0)) || weights.some((w) => !(w >= 0))) {
    throw new StatsInputError('counts and weights must be non-negative numbers', 'counts');
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const wTotal = weights.reduce((a, b) => a + b, 0);
  if (!(wTotal > 0)) throw new StatsInputError('weights must not all be zero', 'weights');
  const expected = weights.map((w) => (total * w) / wTotal);
  // Traffic on a zero-weight arm is a broken split no statistic is needed for.
  if (counts.some((c, i) => c > 0 && weights[i] === 0)) {
    return { chiSquare: Infinity, df: counts.length - 1, pValue: 0, mismatch: true, expected };
  }
  const active = counts.map((c, i) => ({ c, e: expected[i]! })).filter((x) => x.e > 0);
  const df = active.length - 1;
  if (total === 0 || df < 1) {
    return { chiSquare: 0, df: Math.max(0, df), pValue: 1, mismatch: false, expected, insufficient: true, reason: total === 0 ? 'no traffic' : 'fewer than two arms' };
  }
  const chiSquare = active.reduce((s, { c, e }) => s + (c - e) ** 2 / e, 0);
  const pValue = chiSquareSurvival(chiSquare, df);
  return { chiSquare, df, pValue, mismatch: pValue < threshold, expected };
}
