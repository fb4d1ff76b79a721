import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  adjustPValues,
  chiSquareSurvival,
  compareMeans,
  compareProportions,
  compareRatios,
  nonInferiority,
  normalCdf,
  normalQuantile,
  sampleRatioMismatch,
  studentTCdf,
  studentTQuantile,
  type CompareOptions,
  type DifferenceType,
  type MeanStats,
  type ProportionStats,
  type RatioStats,
  type TestResult,
} from './index';

interface RefCase {
  name: string;
  metric: 'mean' | 'proportion' | 'ratio';
  difference: DifferenceType;
  alpha: number;
  sequential?: { tuning: number };
  control: unknown;
  treatment: unknown;
  expected: { effect: number; ci: [number, number]; stddev: number; pValue: number };
}

const ref = JSON.parse(readFileSync(join(__dirname, 'reference-cases.json'), 'utf8')) as {
  cases: RefCase[];
  distributions: Record<string, { x?: number; p?: number; df?: number; value: number }[]>;
  srm: { counts: number[]; weights: number[]; chiSquare: number; pValue: number }[];
  nonInferiority: {
    margin: number;
    alpha: number;
    control: ProportionStats;
    treatment: ProportionStats;
    expected: { pValue: number; bound: number };
  }[];
};

function run(c: RefCase): TestResult {
  const opts: CompareOptions = { difference: c.difference, alpha: c.alpha, sequential: c.sequential };
  if (c.metric === 'mean') return compareMeans(c.control as MeanStats, c.treatment as MeanStats, opts);
  if (c.metric === 'proportion') return compareProportions(c.control as ProportionStats, c.treatment as ProportionStats, opts);
  return compareRatios(c.control as RatioStats, c.treatment as RatioStats, opts);
}

/** Agreement to `digits` decimals in absolute terms, or relatively for large magnitudes. */
function close(actual: number, expected: number, tol = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe('two-sample tests match the scipy / gbstats reference vectors', () => {
  it.each(ref.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = run(c);
    expect(r.insufficient).toBeUndefined();
    close(r.effect, c.expected.effect);
    close(r.ci[0], c.expected.ci[0]);
    close(r.ci[1], c.expected.ci[1]);
    close(r.stddev, c.expected.stddev);
    close(r.pValue, c.expected.pValue);
  });

  it('reproduces the published GrowthBook values to 4 decimals', () => {
    const r = compareMeans(
      { n: 3407, sum: 1396.87, sumSquares: 52377.9767 },
      { n: 3461, sum: 2422.7, sumSquares: 134698.29 },
      { difference: 'relative', alpha: 0.05 },
    );
    expect(r.effect).toBeCloseTo(0.70732, 4);
    expect(r.ci[0]).toBeCloseTo(-0.03526, 4);
    expect(r.ci[1]).toBeCloseTo(1.44989, 4);
    expect(r.stddev).toBeCloseTo(0.37879, 4);
    expect(r.pValue).toBeCloseTo(0.06191, 4);
  });
});

describe('distributions match scipy', () => {
  it.each(ref.distributions['studentTCdf']!)('t cdf(%o)', ({ x, df, value }) => close(studentTCdf(x!, df!), value, 1e-9));
  it.each(ref.distributions['studentTQuantile']!)('t ppf(%o)', ({ p, df, value }) => close(studentTQuantile(p!, df!), value, 1e-8));
  it.each(ref.distributions['normalCdf']!)('normal cdf(%o)', ({ x, value }) => close(normalCdf(x!), value, 1e-9));
  it.each(ref.distributions['normalQuantile']!)('normal ppf(%o)', ({ p, value }) => close(normalQuantile(p!), value, 1e-9));
  it.each(ref.distributions['chiSquareSurvival']!)('chi2 sf(%o)', ({ x, df, value }) => close(chiSquareSurvival(x!, df!), value, 1e-9));
});

describe('sample-ratio mismatch', () => {
  it.each(ref.srm)('counts $counts vs weights $weights', ({ counts, weights, chiSquare, pValue }) => {
    const r = sampleRatioMismatch(counts, weights);
    close(r.chiSquare, chiSquare, 1e-9);
    close(r.pValue, pValue, 1e-9);
    expect(r.mismatch).toBe(pValue < 0.001);
  });

  it('flags traffic on a zero-weight arm and reports no traffic as insufficient', () => {
    expect(sampleRatioMismatch([10, 5], [1, 0]).mismatch).toBe(true);
    const none = sampleRatioMismatch([0, 0], [1, 1]);
    expect(none.mismatch).toBe(false);
    expect(none.insufficient).toBe(true);
  });
});

describe('non-inferiority', () => {
  it.each(ref.nonInferiority)('fixed horizon, margin $margin', (c) => {
    const r = nonInferiority(c.control, c.treatment, { metric: 'proportion', margin: c.margin, direction: 'higher-is-better', alpha: c.alpha });
    close(r.pValue, c.expected.pValue, 1e-8);
    close(r.bound, c.expected.bound, 1e-8);
    expect(r.nonInferior).toBe(c.expected.pValue < c.alpha);
  });

  const latencyC = { n: 5000, sum: 5000 * 1000, sumSquares: 5000 * (1000 ** 2 + 300 ** 2) };
  it.each([
    ['10 % slower, 5 % margin → confidently inferior', 1.1, 0.05, false, true],
    ['equal, 5 % margin → non-inferior', 1.0, 0.05, true, false],
    ['5 % slower, 5 % margin → inconclusive', 1.05, 0.05, false, false],
  ] as const)('lower-is-better relative, sequential: %s', (_n, ratio, margin, nonInferior, inferior) => {
    const m = 1000 * ratio;
    const t = { n: 5000, sum: 5000 * m, sumSquares: 5000 * (m ** 2 + 300 ** 2) };
    const r = nonInferiority(latencyC, t, { margin, direction: 'lower-is-better', difference: 'relative', sequential: true });
    expect(r.nonInferior).toBe(nonInferior);
    expect(r.inferior).toBe(inferior);
    expect(r.pValue < 0.05).toBe(nonInferior);
  });
});

describe('multiple comparisons (values from R p.adjust)', () => {
  it.each([
    ['holm', [0.03, 0.06, 0.06, 0.02]],
    ['bh', [0.02, 0.04, 0.04, 0.02]],
  ] as const)('%s', (method, expected) => {
    adjustPValues([0.01, 0.04, 0.03, 0.005], method).forEach((p, i) => close(p, expected[i]!, 1e-12));
  });
});

describe('degenerate input is flagged, never NaN', () => {
  const ok: MeanStats = { n: 100, sum: 100, sumSquares: 200 };
  it.each([
    ['n < 2', { n: 1, sum: 1, sumSquares: 1 }, ok, 'relative'],
    ['empty arm', { n: 0, sum: 0, sumSquares: 0 }, ok, 'absolute'],
    ['zero variance', { n: 10, sum: 10, sumSquares: 10 }, { n: 10, sum: 10, sumSquares: 10 }, 'absolute'],
    ['zero control mean', { n: 10, sum: 0, sumSquares: 5 }, ok, 'relative'],
  ] as const)('%s', (_name, c, t, difference) => {
    for (const sequential of [false, true]) {
      const r = compareMeans(c, t, { difference, sequential });
      expect(r.insufficient).toBe(true);
      expect(r.reason).toEqual(expect.any(String));
      expect([r.effect, r.stddev, r.pValue, ...r.ci].every(Number.isFinite)).toBe(true);
    }
  });

  it('ratio with zero denominator is insufficient', () => {
    const zero: RatioStats = { n: 10, numerator: { sum: 5, sumSquares: 5 }, denominator: { sum: 0, sumSquares: 0 }, sumProduct: 0 };
    expect(compareRatios(zero, zero).insufficient).toBe(true);
  });
});
