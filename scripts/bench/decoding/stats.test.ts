import { formatDuration, mean, percentile, wilson } from './stats';

describe('bench stats', () => {
  it.each([
    [[1, 2, 3, 4], 50, 2.5],
    [[5], 95, 5],
    [[1, 2, 3, 4, 5], 0, 1],
    [[1, 2, 3, 4, 5], 100, 5],
    [[10, 20], 95, 19.5],
  ])('percentile(%j, %p) = %p', (xs, p, expected) => expect(percentile(xs, p)).toBeCloseTo(expected, 10));

  it.each([
    [0, 10, 0, 0.2775],
    [5, 10, 0.2366, 0.7634],
    [10, 10, 0.7225, 1],
    [81, 100, 0.7222, 0.8749],
  ])('wilson(%i, %i) ≈ [%p, %p]', (k, n, lo, hi) => {
    const [l, h] = wilson(k, n);
    expect(l).toBeCloseTo(lo, 3);
    expect(h).toBeCloseTo(hi, 3);
  });

  it('handles empty input', () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
    expect(mean([])).toBeNaN();
    expect(formatDuration(125_000)).toBe('2m05s');
  });
});
