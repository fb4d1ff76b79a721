import { histogramQuantile } from './kpi-metrics';
import {
  LATENCY_BUCKET_BOUNDS,
  LATENCY_BUCKET_COUNT,
  LATENCY_BUCKET_LOWER_BOUNDS,
  latencyBucketIndex,
  latencyHistogram,
} from './latency-buckets';

describe('latency buckets', () => {
  it.each([
    [0, 0],
    [-5, 0],
    [Number.NaN, 0],
    [0.2499, 0],
    [0.25, 1],
    [0.5, 17],
    [1, 33],
    [1024, 1 + 16 * 12],
    [600_000, 1 + Math.floor(16 * Math.log2(600_000 / 0.25))],
    [1e9, LATENCY_BUCKET_COUNT - 1],
    [Number.POSITIVE_INFINITY, LATENCY_BUCKET_COUNT - 1],
  ])('latencyBucketIndex(%p) = %p', (ms, index) => {
    expect(latencyBucketIndex(ms)).toBe(index);
  });

  it('places every value inside its bucket bounds', () => {
    for (const ms of [0.3, 1.7, 12.5, 99.9, 250, 4321, 59_999, 600_000]) {
      const i = latencyBucketIndex(ms);
      expect(ms).toBeGreaterThanOrEqual(LATENCY_BUCKET_LOWER_BOUNDS[i]! * (1 - 1e-12));
      expect(ms).toBeLessThan(LATENCY_BUCKET_BOUNDS[i]! * (1 + 1e-12));
    }
  });

  it('covers 0.25 ms to beyond 10 minutes with 16 buckets per doubling', () => {
    expect(LATENCY_BUCKET_BOUNDS).toHaveLength(LATENCY_BUCKET_COUNT);
    expect(LATENCY_BUCKET_LOWER_BOUNDS[LATENCY_BUCKET_COUNT - 1]!).toBeGreaterThan(600_000);
    expect(LATENCY_BUCKET_BOUNDS[17]! / LATENCY_BUCKET_BOUNDS[1]!).toBeCloseTo(2, 12);
  });

  it.each([
    [0.5, 500],
    [0.95, 950],
    [0.99, 990],
  ])('the live percentile (histogramQuantile, q=%p) over these buckets is within one bucket (±4.4%%) of the exact value %p', (q, exact) => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const hist = latencyHistogram(values);
    expect(hist.reduce((a, b) => a + b, 0)).toBe(1000);
    const est = histogramQuantile({ bounds: [0, ...LATENCY_BUCKET_BOUNDS], counts: hist }, q)!;
    expect(Math.abs(est - exact) / exact).toBeLessThan(0.045);
  });

  it('returns null for an empty histogram', () => {
    expect(histogramQuantile({ bounds: [0, ...LATENCY_BUCKET_BOUNDS], counts: new Array(LATENCY_BUCKET_COUNT).fill(0) }, 0.5)).toBeNull();
  });
});
