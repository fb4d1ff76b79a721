/**
 * Asymptotic confidence sequences (Howard et al. 2021; Waudby-Smith et al. 2023,
 * arXiv:2103.06476), reproducing GrowthBook gbstats' SequentialTwoSidedTTest.
 * N is the total sample size of both arms; s² = se²·N is the per-unit variance
 * of the effect estimator; ρ is tuned so the sequence is tightest at N = tuning.
 */

export function sequentialRho(alpha: number, tuning: number, twoSided = true): number {
  const a = twoSided ? alpha : 2 * alpha;
  return Math.sqrt((-2 * Math.log(a) + Math.log(-2 * Math.log(a) + 1)) / tuning);
}

/** Half-width of the two-sided (1−α) confidence sequence for an effect with standard error `se`. */
export function sequentialHalfwidth(se: number, n: number, alpha: number, tuning: number): number {
  const rho = sequentialRho(alpha, tuning, true);
  const s2 = se * se * n;
  const nr2 = n * rho * rho;
  return Math.sqrt(s2) * Math.sqrt((2 * (nr2 + 1) * Math.log(Math.sqrt(nr2 + 1) / alpha)) / (n * rho) ** 2);
}

/**
 * Half-width of the one-sided (1−α) confidence sequence (gbstats'
 * sequentialIntervalHalfwidthOneSided), used for non-inferiority bounds.
 */
export function sequentialHalfwidthOneSided(se: number, n: number, alpha: number, tuning: number, rho = sequentialRho(alpha, tuning, false)): number {
  const s2 = se * se * n;
  const nr2 = n * rho * rho;
  return Math.sqrt(s2 * ((2 * (nr2 + 1)) / (n * rho) ** 2) * Math.log(1 + Math.sqrt(nr2 + 1) / (2 * alpha)));
}

/**
 * Always-valid two-sided p-value: 1 / e-value of the mixture martingale
 * (eq. 155 of arXiv:2103.06476 as reparameterised in gbstats). ρ is the one
 * chosen for `alpha`, as in gbstats, so p < α ⇔ 0 ∉ CS.
 */
export function sequentialPValue(effect: number, se: number, n: number, alpha: number, tuning: number): number {
  const rho = sequentialRho(alpha, tuning, true);
  const st2 = (effect * effect * n) / (se * se);
  const tr2p1 = n * rho * rho + 1;
  const logE = (rho * rho * st2) / (2 * tr2p1) - 0.5 * Math.log(tr2p1);
  return Math.min(1, Math.exp(-logE));
}

/**
 * One-sided always-valid p-value for H0: effect ≤ 0 against effect > 0: the
 * smallest α' at which the one-sided CS lower bound excludes 0, with ρ held at
 * the value tuned for the configured α (as gbstats does, which keeps the bound
 * monotone in α'), found by bisection on log α'. p < α ⇔ the bound excludes 0.
 */
export function sequentialOneSidedPValue(effect: number, se: number, n: number, alpha: number, tuning: number): number {
  if (!(effect > 0)) return 1;
  const rho = sequentialRho(alpha, tuning, false);
  const excludes = (logA: number): boolean => effect - sequentialHalfwidthOneSided(se, n, Math.exp(logA), tuning, rho) > 0;
  let hi = Math.log(1);
  if (!excludes(hi)) return 1;
  let lo = -745; // log α' at which it surely excludes (or underflows)
  if (excludes(lo)) return Math.exp(lo);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (excludes(mid)) hi = mid;
    else lo = mid;
    if (hi - lo < 1e-12) break;
  }
  return Math.exp(hi);
}
