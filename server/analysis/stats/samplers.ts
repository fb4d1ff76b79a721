/**
 * Random variates for simulations (seeded through Rng, so runs reproduce). Counts use
 * exact inversion for small means and a continuity-corrected normal approximation for
 * large ones: a simulation of millions of requests draws per-interval totals, not
 * per-request values.
 */
import type { Rng } from '../../task/rng';

const EXACT_BELOW = 40;

export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < EXACT_BELOW) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k += 1;
      p *= rng.next();
    }
    return k;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
}

export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const mean = n * p;
  if (n < EXACT_BELOW || mean < EXACT_BELOW / 4) {
    if (n < EXACT_BELOW) {
      let k = 0;
      for (let i = 0; i < n; i++) if (rng.next() < p) k += 1;
      return k;
    }
    // Inversion from 0 upward: expected mean + 1 steps.
    const q = 1 - p;
    let pk = q ** n;
    let cdf = pk;
    const u = rng.next();
    let k = 0;
    while (u > cdf && k < n) {
      pk *= ((n - k) / (k + 1)) * (p / (1 - p));
      cdf += pk;
      k += 1;
    }
    return k;
  }
  const x = Math.round(mean + Math.sqrt(mean * (1 - p)) * rng.normal());
  return Math.min(n, Math.max(0, x));
}

/** Counts over categories with probabilities `probs` (summing to ≤ 1; the rest is dropped), total n. */
export function multinomial(rng: Rng, n: number, probs: readonly number[], out: number[] = new Array<number>(probs.length).fill(0)): number[] {
  let left = n;
  let mass = probs.reduce((a, b) => a + b, 0);
  for (let i = 0; i < probs.length && left > 0; i++) {
    const p = probs[i]!;
    if (p <= 0) continue;
    const k = binomial(rng, left, Math.min(1, p / mass));
    out[i]! += k;
    left -= k;
    mass -= p;
    if (mass <= 0) break;
  }
  return out;
}

/** Log-normal parameters from a median and a 95th percentile. */
export function logNormalFromQuantiles(p50: number, p95: number): { mu: number; sigma: number } {
  const z95 = 1.6448536269514722;
  return { mu: Math.log(p50), sigma: Math.max(1e-9, Math.log(p95 / p50) / z95) };
}

/** Log-normal parameters from a mean and a coefficient of variation. */
export function logNormalFromMean(mean: number, cv: number): { mu: number; sigma: number } {
  const sigma2 = Math.log(1 + cv * cv);
  return { mu: Math.log(mean) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
}

/** E[X^k] of a log-normal. */
export const logNormalMoment = (d: { mu: number; sigma: number }, k: number): number => Math.exp(k * d.mu + (k * k * d.sigma * d.sigma) / 2);

export const logNormal = (rng: Rng, d: { mu: number; sigma: number }): number => Math.exp(d.mu + d.sigma * rng.normal());

/**
 * Σx and Σx² of n log-normal draws: exact below EXACT_BELOW draws, else the normal
 * approximation of each sum with its exact mean and variance.
 */
export function logNormalSums(rng: Rng, n: number, d: { mu: number; sigma: number }): { sum: number; sumSquares: number; values?: number[] } {
  if (n <= 0) return { sum: 0, sumSquares: 0, values: [] };
  if (n < EXACT_BELOW) {
    const values = Array.from({ length: n }, () => logNormal(rng, d));
    return { sum: values.reduce((a, b) => a + b, 0), sumSquares: values.reduce((a, b) => a + b * b, 0), values };
  }
  const m1 = logNormalMoment(d, 1);
  const m2 = logNormalMoment(d, 2);
  const m4 = logNormalMoment(d, 4);
  const sum = Math.max(0, n * m1 + Math.sqrt(n * (m2 - m1 * m1)) * rng.normal());
  const sumSquares = Math.max(0, n * m2 + Math.sqrt(n * (m4 - m2 * m2)) * rng.normal());
  return { sum, sumSquares };
}
