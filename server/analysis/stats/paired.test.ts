import { createRng } from '../../task/rng';
import { bootstrapMeanRatio, mcnemarExact } from './paired';

describe('McNemar exact test', () => {
  it.each([
    // onlyA, onlyB, exact p = 2·Σ_{k ≤ min} C(n, k) / 2^n (computed with Python's math.comb)
    [0, 0, 1],
    [5, 5, 1],
    [10, 2, 0.0385742],
    [2, 10, 0.0385742],
    [0, 8, 0.0078125],
    [30, 15, 0.0356978],
  ])('%d vs %d discordant → p = %d', (a, b, p) => {
    expect(mcnemarExact(a, b).pValue).toBeCloseTo(p, 6);
  });
});

describe('bootstrap ratio of means', () => {
  it('brackets the true ratio and is paired', () => {
    const rng = createRng(3);
    const base = Array.from({ length: 200 }, () => 50 + 100 * rng.next());
    const faster = base.map((x) => 0.6 * x + 5 * (rng.next() - 0.5));
    const { ratio, ci } = bootstrapMeanRatio(faster, base, createRng(9), { resamples: 1000 });
    expect(ratio).toBeCloseTo(0.6, 1);
    expect(ci[0]).toBeLessThan(ratio);
    expect(ci[1]).toBeGreaterThan(ratio);
    // Pairing removes the problem-to-problem spread: the interval is tight.
    expect(ci[1] - ci[0]).toBeLessThan(0.03);
  });

  it('rejects unequal samples', () => {
    expect(() => bootstrapMeanRatio([1], [1, 2], createRng(1))).toThrow(RangeError);
  });
});
