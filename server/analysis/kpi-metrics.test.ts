import { LATENCY_BUCKET_COUNT, latencyHistogram, LATENCY_BUCKET_BOUNDS } from './latency-buckets';
import { contribution } from './outcome';
import { addSums as addRollupSums } from './rollup-sums';
import { addCounts, addSums, compareArms, emptySums, histogramQuantile, METRICS, variantKpis, wilsonInterval, type ArmData } from './kpi-metrics';

const EDGES = [0, ...LATENCY_BUCKET_BOUNDS];

/** An arm of ok requests, summed through the outcome model as the writer does. */
function arm(variant: string, latencies: number[], costs: number[], correct: (boolean | null)[]): ArmData {
  const s = emptySums(variant);
  const counts = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  latencies.forEach((latencyMs, i) => {
    const c = contribution({
      status: 'ok', latencyMs, costUsd: costs[i]!, correct: correct[i] ?? null,
      draftTokens: 0, targetTokens: 0, prmTokens: 0, draftAcceptance: null, targetFallbacks: null,
    });
    addRollupSums(s, c);
    if (c.latencyBucket !== null) counts[c.latencyBucket]! += 1;
  });
  return { sums: s, histogram: { bounds: EDGES, counts } };
}

describe('wilsonInterval', () => {
  it.each([
    [0, 10],
    [10, 10],
    [5, 10],
    [812, 1000],
  ])('%i of %i stays in [0, 1] and contains p', (x, n) => {
    const [lo, hi] = wilsonInterval(x, n)!;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(lo).toBeLessThanOrEqual(x / n);
    expect(hi).toBeGreaterThanOrEqual(x / n);
  });
  it('is null without data', () => expect(wilsonInterval(0, 0)).toBeNull());
  it('matches the textbook value for 81/100', () => {
    const [lo, hi] = wilsonInterval(81, 100)!;
    expect(lo).toBeCloseTo(0.7222, 3);
    expect(hi).toBeCloseTo(0.8749, 3);
  });
});

describe('histogramQuantile', () => {
  it.each([
    [0.5, 100],
    [0.95, 1000],
  ])('q=%f over a uniform 1..%i ms sample is within a bucket of the exact value', (q, max) => {
    const xs = Array.from({ length: 2000 }, (_, i) => 1 + ((max - 1) * i) / 1999);
    const exact = xs[Math.ceil(q * xs.length) - 1]!;
    const est = histogramQuantile({ bounds: EDGES, counts: latencyHistogram(xs) }, q)!;
    expect(est / exact).toBeGreaterThan(2 ** (-1 / 16) - 0.01);
    expect(est / exact).toBeLessThan(2 ** (1 / 16) + 0.01);
  });
  it.each([
    [[], null],
    [[123], 'one'],
  ])('degenerate samples %j', (xs, expected) => {
    const r = histogramQuantile({ bounds: EDGES, counts: latencyHistogram(xs as number[]) }, 0.95);
    if (expected === null) expect(r).toBeNull();
    else expect(Math.abs(r! - 123) / 123).toBeLessThan(0.05);
  });
});

describe('variantKpis and sums', () => {
  const a = arm('baseline', [100, 200, 300, 400], [1, 2, 3, 4], [true, false, true, null]);
  it('computes the contract fields from sums', () => {
    const k = variantKpis(a);
    expect(k).toMatchObject({ n: 4, graded: 3, correct: 2, errors: 0, costPerRequest: 2.5, draftAcceptance: null });
    expect(k.accuracy).toBeCloseTo(2 / 3, 12);
    expect(k.latency.mean).toBe(250);
    // Σcost over graded / Σcorrect = (1+2+3)/2.
    expect(k.costPerCorrect).toBe(3);
  });
  it('addSums / addCounts add element-wise', () => {
    const s = addSums(emptySums('x'), a.sums);
    addSums(s, a.sums);
    expect(s.n).toBe(8);
    expect(s.costCorrectSum).toBe(2 * a.sums.costCorrectSum);
    expect(addCounts([1, 2], [3, 4, 5])).toEqual([4, 6, 5]);
    expect(a.histogram.counts).toHaveLength(LATENCY_BUCKET_COUNT);
  });
  it('reports null rather than NaN with no traffic', () => {
    const k = variantKpis({ sums: emptySums('specs'), histogram: { bounds: EDGES, counts: new Array(LATENCY_BUCKET_COUNT).fill(0) } });
    expect(k).toMatchObject({ n: 0, accuracy: null, accuracyCi: null, costPerRequest: null, costPerCorrect: null, latency: { mean: null, p50: null } });
  });
});

describe('compareArms', () => {
  const rand = (() => {
    let s = 7;
    return () => ((s = (s * 16807) % 2147483647) / 2147483647);
  })();
  const lat = (m: number) => Array.from({ length: 3000 }, () => m * Math.exp(0.3 * (rand() + rand() + rand() - 1.5)));
  const base = arm('baseline', lat(500), Array(3000).fill(0).map(() => 1 + rand()), Array(3000).fill(0).map(() => rand() < 0.8));
  const fast = arm('specs', lat(350), Array(3000).fill(0).map(() => 0.8 + rand()), Array(3000).fill(0).map(() => rand() < 0.8));
  const kpis = { baseline: variantKpis(base), specs: variantKpis(fast) };

  it.each(METRICS.map((m) => [m.metric]))('%s gives a finite comparison', (metric) => {
    const c = compareArms(base, fast, kpis, { alpha: 0.05, sequential: false, difference: 'default' }).find((x) => x.metric === metric)!;
    expect(Number.isFinite(c.effect)).toBe(true);
    expect(c.ci[0]).toBeLessThanOrEqual(c.ci[1]);
    expect(c.pValue).toBeGreaterThanOrEqual(0);
  });
  it('detects the latency reduction; sequential intervals are wider', () => {
    const fixed = compareArms(base, fast, kpis, { alpha: 0.05, sequential: false, difference: 'default' }).find((x) => x.metric === 'latencyMean')!;
    const seq = compareArms(base, fast, kpis, { alpha: 0.05, sequential: true, difference: 'default' }).find((x) => x.metric === 'latencyMean')!;
    expect(fixed.effect).toBeLessThan(-0.2);
    expect(fixed.ci[1]).toBeLessThan(0);
    expect(seq.ci[1] - seq.ci[0]).toBeGreaterThan(fixed.ci[1] - fixed.ci[0]);
  });
  it('flags insufficient data instead of failing', () => {
    const empty = { sums: emptySums('specs'), histogram: { bounds: EDGES, counts: new Array(LATENCY_BUCKET_COUNT).fill(0) } };
    const r = compareArms(base, empty, { baseline: kpis.baseline, specs: variantKpis(empty) }, { alpha: 0.05, sequential: false, difference: 'absolute' });
    expect(r.every((c) => c.insufficient && c.pValue === 1 && c.difference === 'absolute')).toBe(true);
  });
});
