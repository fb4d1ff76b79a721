import { createRng } from '../../task/rng';
import { agrestiCaffoMoments, bernoulliConfidenceSequence, exactDifferenceBounds } from './proportions';

describe('Agresti–Caffo moments', () => {
  it.each([
    [{ n: 2, sum: 0 }, 4, 0.25],
    [{ n: 2, sum: 2 }, 4, 0.75],
    [{ n: 150, sum: 38 }, 152, 39 / 152],
  ])('%j → n %d, p %d (never zero variance)', (arm, n, p) => {
    const m = agrestiCaffoMoments(arm);
    expect(m.n).toBe(n);
    expect(m.mean).toBeCloseTo(p, 12);
    expect(m.variance).toBeGreaterThan(0);
  });
});

describe('beta-binomial confidence sequence', () => {
  it.each([
    // No successes in 10: lower bound 0, upper bound in closed form 1 − (α · B(1,11)/B(1,1))^(1/10)... = 1 − (11/α)^(−1/10).
    [0, 10, 0.05, 0, 1 - (11 / 0.05) ** -0.1],
    [10, 10, 0.05, (11 / 0.05) ** -0.1, 1],
    [0, 0, 0.05, 0, 1],
  ])('%d/%d at α = %d → [%d, %d]', (s, n, alpha, lo, hi) => {
    const [l, h] = bernoulliConfidenceSequence(s, n, alpha);
    expect(l).toBeCloseTo(lo, 6);
    expect(h).toBeCloseTo(hi, 6);
  });

  it.each([
    [0.05, 3],
    [0.25, 7],
    [0.9, 11],
  ])('covers p = %d at every n at once with probability ≥ 1 − α (seed %d)', (p, seed) => {
    const rng = createRng(seed);
    const alpha = 0.1;
    let missed = 0;
    const runs = 300;
    for (let r = 0; r < runs; r++) {
      let s = 0;
      for (let n = 1; n <= 400; n++) {
        if (rng.next() < p) s += 1;
        const [lo, hi] = bernoulliConfidenceSequence(s, n, alpha);
        if (p < lo || p > hi) {
          missed += 1;
          break;
        }
      }
    }
    expect(missed / runs).toBeLessThanOrEqual(alpha);
  });

  it('bounds the difference of two arms and shrinks with data', () => {
    const small = exactDifferenceBounds({ n: 20, sum: 5 }, { n: 20, sum: 5 }, 0.05);
    const large = exactDifferenceBounds({ n: 2000, sum: 500 }, { n: 2000, sum: 500 }, 0.05);
    expect(small[0]).toBeLessThan(large[0]);
    expect(small[1]).toBeGreaterThan(large[1]);
    expect(large[0]).toBeLessThan(0);
    expect(large[1]).toBeGreaterThan(0);
  });
});
