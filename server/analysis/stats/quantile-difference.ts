/**
 * Confidence intervals for a difference of quantiles (p50/p95/p99 latency).
 *
 * Method: Deng, Knoblich & Yu (2018), "Applying the Delta Method in Metric
 * Analytics: A Practical Guide with Novel Ideas", KDD '18, §4 (quantile
 * metrics). For i.i.d. units the sample quantile Q̂_p is asymptotically normal
 * with variance p(1−p) / (n f(Q_p)²). Instead of estimating the density f, the
 * distribution-free order-statistic interval is formed first: the ranks
 * L, U = n·p ∓ z·√(n·p(1−p)) (z = z₀.₉₇₅) bracket Q_p with ≈95 % coverage, and
 * since that interval is itself ≈ Q̂_p ± z·σ, the per-arm standard error is
 * σ̂ = (X₍U₎ − X₍L₎) / (2z) — the density is implied by the interval width.
 * The arms are independent, so the difference is normal with
 * Var = σ̂_t² + σ̂_c² (absolute) or, by the delta method,
 * σ̂_t²/Q_c² + Q_t² σ̂_c²/Q_c⁴ (relative). The CI is a normal-theory interval,
 * or the asymptotic confidence sequence (see sequential.ts) when `sequential`
 * is set, so the gate may evaluate it repeatedly.
 *
 * Inputs per arm: raw samples, or a fixed-bucket histogram. In a histogram
 * values are assumed uniform within a bucket and the "order statistic" at a
 * fractional rank r is read off the linearly interpolated empirical CDF, so
 * resolution is limited by bucket width. `bounds` may be either
 *   - the n+1 bucket edges (bucket i = [bounds[i], bounds[i+1])), or
 *   - the n upper bounds, Prometheus style (non-cumulative counts, first lower
 *     edge 0); a last bound of Infinity is an overflow bucket, and a rank that
 *     lands in it is reported at the bucket's lower edge with `censored: true`.
 */
import { normalCdf, normalQuantile } from './distributions';
import { StatsInputError } from './errors';
import { resolveSequential } from './mean-tests';
import { sequentialHalfwidth, sequentialPValue } from './sequential';
import { DEFAULT_ALPHA, type DifferenceType, type SequentialOptions, type TestResult } from './types';

export interface Histogram {
  bounds: number[];
  counts: number[];
}

export type QuantileSample = readonly number[] | Histogram;

export interface QuantileEstimate {
  n: number;
  quantile: number;
  estimate: number;
  /** Order-statistic 95 % interval [X₍L₎, X₍U₎]. */
  lower: number;
  upper: number;
  stddev: number;
  censored: boolean;
}

export interface QuantileOptions {
  /** Quantile in (0, 1), e.g. 0.95. */
  quantile: number;
  difference?: DifferenceType;
  alpha?: number;
  sequential?: SequentialOptions | boolean;
}

export interface QuantileDifferenceResult extends TestResult {
  control: QuantileEstimate | null;
  treatment: QuantileEstimate | null;
}

const Z_ORDER = normalQuantile(0.975);

interface RankReader {
  n: number;
  /** Value at continuous rank r ∈ [0, n]. */
  at(r: number): { value: number; censored: boolean };
}

function sampleReader(samples: readonly number[]): RankReader {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  return {
    n,
    at(r) {
      // Rank r ∈ [1, n] ↦ 1-based order statistic ⌈r⌉ (callers keep r inside the sample).
      const k = Math.min(n, Math.max(1, Math.ceil(r)));
      return { value: sorted[k - 1]!, censored: false };
    },
  };
}

function histogramReader(h: Histogram): RankReader {
  const { bounds, counts } = h;
  let edges: number[];
  if (bounds.length === counts.length + 1) edges = bounds;
  else if (bounds.length === counts.length) edges = [Math.min(0, bounds[0] ?? 0), ...bounds];
  else throw new StatsInputError('histogram bounds must have counts.length or counts.length + 1 entries', 'histogram.bounds');
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i]! > edges[i - 1]!)) throw new StatsInputError('histogram bounds must be strictly increasing', 'histogram.bounds');
  }
  if (counts.some((c) => !(c >= 0))) throw new StatsInputError('histogram counts must be non-negative', 'histogram.counts');
  const n = counts.reduce((a, b) => a + b, 0);
  return {
    n,
    at(r) {
      let cum = 0;
      for (let i = 0; i < counts.length; i++) {
        const c = counts[i]!;
        if (c > 0 && cum + c >= r) {
          const lo = edges[i]!;
          const hi = edges[i + 1]!;
          if (!Number.isFinite(hi)) return { value: lo, censored: true };
          return { value: lo + ((hi - lo) * Math.max(0, r - cum)) / c, censored: false };
        }
        cum += c;
      }
      // r beyond the last occupied bucket: its upper edge.
      for (let i = counts.length - 1; i >= 0; i--) {
        if (counts[i]! > 0) {
          const hi = edges[i + 1]!;
          return Number.isFinite(hi) ? { value: hi, censored: false } : { value: edges[i]!, censored: true };
        }
      }
      return { value: 0, censored: false };
    },
  };
}

function isHistogram(s: QuantileSample): s is Histogram {
  return !Array.isArray(s) && typeof s === 'object' && s !== null && 'bounds' in s;
}

/**
 * Point estimate, order-statistic interval and implied standard error of one arm's
 * quantile; null when the interval's ranks fall outside the sample (a p95 needs
 * about 75 values, a p99 about 400): clamping them to the extremes would shrink
 * the interval exactly where it must be widest.
 */
export function quantileEstimate(sample: QuantileSample, quantile: number): QuantileEstimate | null {
  if (!(quantile > 0 && quantile < 1)) throw new StatsInputError('quantile must be in (0, 1)', 'quantile');
  const reader = isHistogram(sample) ? histogramReader(sample) : sampleReader(sample as readonly number[]);
  const n = reader.n;
  const center = n * quantile;
  const spread = Z_ORDER * Math.sqrt(n * quantile * (1 - quantile));
  const lowRank = Math.floor(center - spread);
  const highRank = Math.ceil(center + spread);
  if (n < 2 || lowRank < 1 || highRank > n) return null;
  const est = reader.at(center);
  const lo = reader.at(lowRank);
  const hi = reader.at(highRank);
  return {
    n,
    quantile,
    estimate: est.value,
    lower: lo.value,
    upper: hi.value,
    stddev: (hi.value - lo.value) / (2 * Z_ORDER),
    censored: est.censored || lo.censored || hi.censored,
  };
}

export function quantileDifference(control: QuantileSample, treatment: QuantileSample, options: QuantileOptions): QuantileDifferenceResult {
  const difference = options.difference ?? 'relative';
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const seq = resolveSequential(options.sequential);
  const c = quantileEstimate(control, options.quantile);
  const t = quantileEstimate(treatment, options.quantile);
  const fail = (reason: string): QuantileDifferenceResult => ({
    effect: 0, ci: [0, 0], stddev: 0, pValue: 1, df: 0, difference, sequential: seq !== null, insufficient: true, reason, control: c, treatment: t,
  });
  if (!c || !t) return fail(`insufficient data: the p${Math.round(100 * options.quantile)} interval needs ranks inside each arm's sample`);
  if (difference === 'relative' && c.estimate === 0) return fail('control quantile is zero (relative effect undefined)');
  const effect = difference === 'relative' ? (t.estimate - c.estimate) / Math.abs(c.estimate) : t.estimate - c.estimate;
  const variance =
    difference === 'relative'
      ? t.stddev ** 2 / c.estimate ** 2 + (t.estimate ** 2 * c.stddev ** 2) / c.estimate ** 4
      : t.stddev ** 2 + c.stddev ** 2;
  if (!(variance > 0) || !Number.isFinite(variance)) return fail('zero variance');
  const se = Math.sqrt(variance);
  const hw = seq ? sequentialHalfwidth(se, c.n + t.n, alpha, seq.tuning) : normalQuantile(1 - alpha / 2) * se;
  return {
    effect,
    ci: [effect - hw, effect + hw],
    stddev: se,
    pValue: seq ? sequentialPValue(effect, se, c.n + t.n, alpha, seq.tuning) : Math.min(1, 2 * normalCdf(-Math.abs(effect) / se)),
    df: Infinity,
    difference,
    sequential: seq !== null,
    control: c,
    treatment: t,
  };
}

