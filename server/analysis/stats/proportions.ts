/**
 * Proportions at small samples, where the Wald interval of gbstats' ProportionStatistic
 * is wrong (0/2 has "zero variance", 2/2 too):
 *
 * - Agresti–Caffo: one success and one failure added to each arm before the Wald
 *   interval of the difference. Coverage stays near nominal from a handful of
 *   observations per arm, and 0 % or 100 % arms get an interval (Agresti & Caffo 2000).
 * - Exact anytime-valid bounds: per arm, the beta-binomial mixture martingale
 *   M_n(p) = B(a + S, b + F) / (B(a, b) · p^S (1 − p)^F) is a nonnegative martingale under p,
 *   so by Ville's inequality {p : M_n(p) < 1/α} covers the true p at every n at once with
 *   probability ≥ 1 − α (Robbins 1970; Howard et al. 2021). No asymptotics: valid at n = 1.
 *   Two arms combine by a union bound (α/2 each) into bounds on the difference.
 */
import { logGamma } from './distributions';
import type { ArmMoments, ProportionStats } from './types';

export function agrestiCaffoMoments(s: ProportionStats): ArmMoments {
  const n = s.n + 2;
  const p = (s.sum + 1) / n;
  return { n, mean: p, variance: p * (1 - p) };
}

const logBeta = (a: number, b: number): number => logGamma(a) + logGamma(b) - logGamma(a + b);

export interface MixturePrior {
  a: number;
  b: number;
}

export const UNIFORM_PRIOR: Readonly<MixturePrior> = Object.freeze({ a: 1, b: 1 });

/** Anytime-valid (1 − α) confidence sequence for a Bernoulli rate after `successes` in `n`. */
export function bernoulliConfidenceSequence(successes: number, n: number, alpha: number, prior: MixturePrior = UNIFORM_PRIOR): [number, number] {
  if (!(n > 0)) return [0, 1];
  const s = successes;
  const f = n - successes;
  const threshold = Math.log(1 / alpha);
  const mixture = logBeta(prior.a + s, prior.b + f) - logBeta(prior.a, prior.b);
  // log M(p); convex in p with its minimum (≤ 0) at the MLE, so each end is one root.
  const logM = (p: number) => mixture - (s > 0 ? s * Math.log(p) : 0) - (f > 0 ? f * Math.log(1 - p) : 0);
  const mle = s / n;
  const root = (inside: number, outside: number): number => {
    let lo = inside;
    let hi = outside;
    for (let i = 0; i < 100; i++) {
      const mid = (lo + hi) / 2;
      if (logM(mid) < threshold) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  const lower = s === 0 || logM(1e-300) < threshold ? 0 : root(mle, 0);
  const upper = f === 0 || logM(1 - 1e-16) < threshold ? 1 : root(mle, 1);
  return [lower, upper];
}

/** Anytime-valid bounds on p_t − p_c from the two arms' confidence sequences at α/2 each. */
export function exactDifferenceBounds(control: ProportionStats, treatment: ProportionStats, alpha: number): [number, number] {
  const [cLo, cHi] = bernoulliConfidenceSequence(control.sum, control.n, alpha / 2);
  const [tLo, tHi] = bernoulliConfidenceSequence(treatment.sum, treatment.n, alpha / 2);
  return [tLo - cHi, tHi - cLo];
}
