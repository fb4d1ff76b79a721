import type { ArmMoments, MeanStats, ProportionStats, RatioStats } from './types';

/** Sample mean and (n−1) sample variance, as gbstats' SampleMeanStatistic. */
export function meanMoments(s: MeanStats): ArmMoments {
  const n = s.n;
  if (!(n > 0)) return { n: 0, mean: 0, variance: 0 };
  const mean = s.sum / n;
  const variance = n > 1 ? Math.max(0, (s.sumSquares - (s.sum * s.sum) / n) / (n - 1)) : 0;
  return { n, mean, variance };
}

/** Proportion p and Bernoulli variance p(1−p), as gbstats' ProportionStatistic. */
export function proportionMoments(s: ProportionStats): ArmMoments {
  const n = s.n;
  if (!(n > 0)) return { n: 0, mean: 0, variance: 0 };
  const p = s.sum / n;
  return { n, mean: p, variance: Math.max(0, p * (1 - p)) };
}

/**
 * Ratio of sums with its per-unit delta-method variance (gbstats' RatioStatistic):
 * Var ≈ σ²_m/μ_d² − 2·cov·μ_m/μ_d³ + μ_m²·σ²_d/μ_d⁴. A zero denominator mean
 * leaves the ratio undefined: reported as n = 0 so tests flag it insufficient.
 */
export function ratioMoments(s: RatioStats): ArmMoments {
  const n = s.n;
  if (!(n > 1)) return { n: Math.max(0, n), mean: 0, variance: 0 };
  const mM = s.numerator.sum / n;
  const mD = s.denominator.sum / n;
  if (mD === 0) return { n: 0, mean: 0, variance: 0 };
  const vM = (s.numerator.sumSquares - (s.numerator.sum * s.numerator.sum) / n) / (n - 1);
  const vD = (s.denominator.sumSquares - (s.denominator.sum * s.denominator.sum) / n) / (n - 1);
  const cov = (s.sumProduct - (s.numerator.sum * s.denominator.sum) / n) / (n - 1);
  const variance = vM / mD ** 2 - (2 * cov * mM) / mD ** 3 + (mM ** 2 * vD) / mD ** 4;
  return { n, mean: mM / mD, variance: Math.max(0, variance) };
}
