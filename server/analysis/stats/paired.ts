/**
 * Paired comparisons of two methods run on the same problems (the decoding benchmark):
 * McNemar's exact test for a difference in accuracy, and a percentile-bootstrap interval
 * for the ratio of mean latencies, resampling problems so the pairing is kept.
 */
import type { Rng } from '../../task/rng';
import { regularizedBeta } from './distributions';

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return regularizedBeta(0.5, n - k, k + 1);
}

/**
 * Exact two-sided McNemar test from the discordant pairs: `onlyA` problems only method A
 * solved, `onlyB` only B. Under H0 each discordant pair is a fair coin.
 */
export function mcnemarExact(onlyA: number, onlyB: number): { discordant: number; pValue: number } {
  const n = onlyA + onlyB;
  if (n === 0) return { discordant: 0, pValue: 1 };
  return { discordant: n, pValue: Math.min(1, 2 * binomialHalfCdf(Math.min(onlyA, onlyB), n)) };
}

/** mean(a) / mean(b) with a (1 − α) percentile-bootstrap interval over paired items. */
export function bootstrapMeanRatio(a: readonly number[], b: readonly number[], rng: Rng, options: { resamples?: number; alpha?: number } = {}): { ratio: number; ci: [number, number] } {
  if (a.length !== b.length || a.length === 0) throw new RangeError('bootstrapMeanRatio needs two non-empty samples of equal length');
  const resamples = options.resamples ?? 2000;
  const alpha = options.alpha ?? 0.05;
  const n = a.length;
  const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
  const ratio = sum(a) / sum(b);
  const ratios: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng.next() * n);
      sa += a[k]!;
      sb += b[k]!;
    }
    ratios.push(sa / sb);
  }
  ratios.sort((x, y) => x - y);
  const at = (q: number) => ratios[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
  return { ratio, ci: [at(alpha / 2), at(1 - alpha / 2)] };
}
