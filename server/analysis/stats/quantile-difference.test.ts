import { createRng } from '../../task/rng';
import { quantileDifference, quantileEstimate, type Histogram } from './quantile-difference';

function sample(seed: number, n: number, scale: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => scale * Math.exp(0.5 * rng.normal()));
}

function toHistogram(xs: number[], edges: number[]): Histogram {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const x of xs) {
    const i = edges.findIndex((e, k) => k > 0 && x < e);
    counts[i === -1 ? counts.length - 1 : i - 1]! += 1;
  }
  return { bounds: edges, counts };
}

describe('quantile estimates (Deng, Knoblich & Yu 2018 outer CI)', () => {
  it('order-statistic interval brackets the estimate and shrinks like 1/sqrt(n)', () => {
    const small = quantileEstimate(sample(1, 1000, 100), 0.95)!;
    const large = quantileEstimate(sample(1, 16000, 100), 0.95)!;
    expect(small.lower).toBeLessThanOrEqual(small.estimate);
    expect(small.upper).toBeGreaterThanOrEqual(small.estimate);
    // True p95 of 100·exp(0.5 Z) is 100·exp(0.5·1.645) ≈ 227.6.
    expect(large.estimate).toBeGreaterThan(215);
    expect(large.estimate).toBeLessThan(240);
    expect(small.stddev / large.stddev).toBeGreaterThan(2.5);
    expect(small.stddev / large.stddev).toBeLessThan(6);
  });

  it.each([
    ['edges (n+1 bounds)', Array.from({ length: 101 }, (_, i) => i * 10)],
    ['upper bounds with +Inf overflow', Array.from({ length: 100 }, (_, i) => (i === 99 ? Infinity : (i + 1) * 10))],
  ])('histogram input (%s) agrees with raw samples to within a bucket', (_name, bounds) => {
    const xs = sample(2, 5000, 100);
    const raw = quantileEstimate(xs, 0.95)!;
    const hist: Histogram =
      bounds.length === 101
        ? toHistogram(xs, bounds)
        : { bounds, counts: toHistogram(xs, [0, ...bounds.slice(0, 99), 1e12]).counts };
    const h = quantileEstimate(hist, 0.95)!;
    expect(Math.abs(h.estimate - raw.estimate)).toBeLessThan(10);
    expect(h.censored).toBe(false);
  });

  it.each([
    ['10 % slower treatment', 110, true],
    ['identical treatment', 100, false],
  ] as const)('relative p95 difference: %s', (_name, scale, significant) => {
    const r = quantileDifference(sample(3, 8000, 100), sample(4, 8000, scale), { quantile: 0.95, difference: 'relative' });
    expect(r.insufficient).toBeUndefined();
    expect(r.ci[0] <= r.effect && r.effect <= r.ci[1]).toBe(true);
    expect(r.pValue < 0.05).toBe(significant);
    if (significant) expect(r.ci[0]).toBeGreaterThan(0);
  });

  it('sequential interval is wider than the fixed one', () => {
    const c = sample(5, 3000, 100);
    const t = sample(6, 3000, 100);
    const fixed = quantileDifference(c, t, { quantile: 0.5 });
    const seq = quantileDifference(c, t, { quantile: 0.5, sequential: true });
    expect(seq.ci[1] - seq.ci[0]).toBeGreaterThan(fixed.ci[1] - fixed.ci[0]);
  });

  it('too few samples is insufficient', () => {
    expect(quantileDifference([1], [1, 2, 3], { quantile: 0.95 }).insufficient).toBe(true);
  });
});
