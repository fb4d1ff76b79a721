import type { VariantKey } from '../vocabulary';
import {
  compareMeans,
  compareProportions,
  compareRatios,
  normalQuantile,
  quantileDifference,
  quantileEstimate,
  type Histogram,
  type TestResult,
} from './stats';
import type { VariantSums } from './kpi-repository';
import { kpiOf } from './outcome';
import { addSums as addRollupSums, zeroSums } from './rollup-sums';

/**
 * Pure arithmetic from rollup sums to the results contract: per-arm KPIs and
 * the SPECS-vs-baseline comparisons. No I/O, so the rollup math is testable
 * against hand-computed numbers.
 */

export const VARIANTS: readonly VariantKey[] = ['baseline', 'specs'];

export interface LatencyQuantiles {
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** K in the results contract. */
export interface VariantKpis {
  n: number;
  errors: number;
  timeouts: number;
  graded: number;
  correct: number;
  /** Over graded requests, a labelled failure counting as wrong (outcome.ts); null when nothing is graded. */
  accuracy: number | null;
  /** Wilson score interval at 1−α. */
  accuracyCi: [number, number] | null;
  /** Milliseconds; quantiles are read off the merged histogram (resolution: bucket width). */
  latency: LatencyQuantiles;
  costPerRequest: number | null;
  /** Σcost / Σcorrect over graded requests. */
  costPerCorrect: number | null;
  /** Mean tokens per request, per model. */
  tokens: { draft: number | null; target: number | null; prm: number | null };
  tokensTotal: { draft: number; target: number; prm: number };
  /** Mean per-request draft acceptance over SPECS requests that report one. */
  draftAcceptance: number | null;
  /** (errors + timeouts) / requests. */
  errorRate: number | null;
  fallbacks: number;
}

export interface ArmData {
  sums: VariantSums;
  histogram: Histogram;
}

export type BetterIs = 'higher' | 'lower';
export type DifferenceMode = 'default' | 'absolute' | 'relative';

export interface Comparison {
  metric: string;
  /** 'absolute' (specs − baseline, metric units) or 'relative' (specs / baseline − 1). */
  difference: 'absolute' | 'relative';
  effect: number;
  ci: [number, number];
  pValue: number;
  adjustedPValue: number;
  significant: boolean;
  betterIs: BetterIs;
  baseline: number | null;
  specs: number | null;
  sequential: boolean;
  insufficient?: true;
  reason?: string;
}

const div = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function emptySums(variant: string): VariantSums {
  return { variant, ...zeroSums() };
}

export const addSums = (into: VariantSums, x: VariantSums): VariantSums => addRollupSums(into, x);

export function addCounts(into: number[], x: readonly number[]): number[] {
  for (let i = 0; i < x.length; i++) into[i] = (into[i] ?? 0) + (x[i] ?? 0);
  return into;
}

/** Wilson score interval: stays inside [0, 1] and is sane at p = 0 or 1 and small n. */
export function wilsonInterval(successes: number, n: number, alpha = 0.05): [number, number] | null {
  if (!(n > 0)) return null;
  const z = normalQuantile(1 - alpha / 2);
  const p = successes / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // Exact ends at 0 and n (floating point would leave a 1e-17 gap).
  return [successes <= 0 ? 0 : Math.max(0, center - half), successes >= n ? 1 : Math.min(1, center + half)];
}

export function histogramQuantile(h: Histogram, q: number): number | null {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  if (total === 1) {
    // quantileEstimate needs n ≥ 2 for its interval; a single request's bucket midpoint is the honest point value.
    const i = h.counts.findIndex((c) => c > 0);
    const lo = h.bounds[i]!;
    const hi = h.bounds[i + 1]!;
    return Number.isFinite(hi) ? (lo + hi) / 2 : lo;
  }
  return quantileEstimate(h, q)?.estimate ?? null;
}

export function variantKpis(arm: ArmData, alpha = 0.05): VariantKpis {
  const s = arm.sums;
  return {
    n: s.n,
    errors: s.errors,
    timeouts: s.timeouts,
    graded: s.graded,
    correct: s.correct,
    accuracy: kpiOf.accuracy(s),
    accuracyCi: wilsonInterval(s.correct, s.graded, alpha),
    latency: {
      mean: kpiOf.latencyMean(s),
      p50: histogramQuantile(arm.histogram, 0.5),
      p95: histogramQuantile(arm.histogram, 0.95),
      p99: histogramQuantile(arm.histogram, 0.99),
    },
    costPerRequest: kpiOf.costPerRequest(s),
    costPerCorrect: kpiOf.costPerCorrect(s),
    tokens: { draft: div(s.draftTokens, s.n), target: div(s.targetTokens, s.n), prm: div(s.prmTokens, s.n) },
    tokensTotal: { draft: s.draftTokens, target: s.targetTokens, prm: s.prmTokens },
    draftAcceptance: div(s.draftAcceptanceSum, s.draftAcceptanceN),
    errorRate: kpiOf.failureRate(s),
    fallbacks: s.fallbacks,
  };
}

interface MetricSpec {
  metric: string;
  betterIs: BetterIs;
  defaultDifference: 'absolute' | 'relative';
  value: (k: VariantKpis) => number | null;
  test: (b: ArmData, t: ArmData, o: { difference: 'absolute' | 'relative'; alpha: number; sequential: boolean }) => TestResult;
}

const meanOf = (n: number, sum: number, sumSquares: number) => ({ n, sum, sumSquares });
const quantileMetric = (metric: string, q: number, pick: (k: VariantKpis) => number | null): MetricSpec => ({
  metric,
  betterIs: 'lower',
  defaultDifference: 'relative',
  value: pick,
  test: (b, t, o) => quantileDifference(b.histogram, t.histogram, { quantile: q, ...o }),
});

/** The compared metrics, in a fixed order (the multiple-comparison family). */
export const METRICS: readonly MetricSpec[] = [
  {
    metric: 'accuracy',
    betterIs: 'higher',
    defaultDifference: 'absolute',
    value: (k) => k.accuracy,
    test: (b, t, o) => compareProportions({ n: b.sums.graded, sum: b.sums.correct }, { n: t.sums.graded, sum: t.sums.correct }, o),
  },
  {
    metric: 'latencyMean',
    betterIs: 'lower',
    defaultDifference: 'relative',
    value: (k) => k.latency.mean,
    test: (b, t, o) =>
      compareMeans(meanOf(b.sums.latencyN, b.sums.latencySum, b.sums.latencySumSq), meanOf(t.sums.latencyN, t.sums.latencySum, t.sums.latencySumSq), o),
  },
  quantileMetric('latencyP50', 0.5, (k) => k.latency.p50),
  quantileMetric('latencyP95', 0.95, (k) => k.latency.p95),
  quantileMetric('latencyP99', 0.99, (k) => k.latency.p99),
  {
    metric: 'costPerRequest',
    betterIs: 'lower',
    defaultDifference: 'relative',
    value: (k) => k.costPerRequest,
    test: (b, t, o) => compareMeans(meanOf(b.sums.n, b.sums.costSum, b.sums.costSumSq), meanOf(t.sums.n, t.sums.costSum, t.sums.costSumSq), o),
  },
  {
    metric: 'costPerCorrect',
    betterIs: 'lower',
    defaultDifference: 'relative',
    value: (k) => k.costPerCorrect,
    // Unit = graded request; numerator cost, denominator correct (0/1, so Σd² = Σd).
    test: (b, t, o) => compareRatios(ratioStats(b.sums), ratioStats(t.sums), o),
  },
];

export function ratioStats(s: VariantSums) {
  return {
    n: s.graded,
    numerator: { sum: s.gradedCostSum, sumSquares: s.gradedCostSumSq },
    denominator: { sum: s.correct, sumSquares: s.correct },
    sumProduct: s.costCorrectSum,
  };
}

export function compareArms(
  baseline: ArmData,
  specs: ArmData,
  kpis: { baseline: VariantKpis; specs: VariantKpis },
  options: { alpha: number; sequential: boolean; difference: DifferenceMode },
): Omit<Comparison, 'adjustedPValue' | 'significant'>[] {
  return METRICS.map((m) => {
    const difference = options.difference === 'default' ? m.defaultDifference : options.difference;
    let r: TestResult;
    try {
      r = m.test(baseline, specs, { difference, alpha: options.alpha, sequential: options.sequential });
    } catch (e) {
      // Degenerate histograms and the like: report, never fail the whole results call.
      r = { effect: 0, ci: [0, 0], stddev: 0, pValue: 1, df: 0, difference, sequential: options.sequential, insufficient: true, reason: (e as Error).message };
    }
    const out: Omit<Comparison, 'adjustedPValue' | 'significant'> = {
      metric: m.metric,
      difference,
      effect: finite(r.effect),
      ci: [finite(r.ci[0]), finite(r.ci[1])],
      pValue: Number.isFinite(r.pValue) ? r.pValue : 1,
      betterIs: m.betterIs,
      baseline: m.value(kpis.baseline),
      specs: m.value(kpis.specs),
      sequential: r.sequential,
    };
    if (r.insufficient) {
      out.insufficient = true;
      out.reason = r.reason ?? 'insufficient data';
    }
    return out;
  });
}

const finite = (x: number) => (Number.isFinite(x) ? x : 0);
