import { createRng } from '../../task/rng';
import { designEffect, unitRepeatPValue, type BucketRatio } from './clustered';

const B = 64;

/** Requests from `units` units sending `perUnit` requests each, outcome p, shared within a unit with probability rho. */
function buckets(seed: number, units: number, perUnit: number, p: number, rho: number): { ratios: BucketRatio[]; counts: number[]; iid: number } {
  const rng = createRng(seed);
  const n = new Array<number>(B).fill(0);
  const y = new Array<number>(B).fill(0);
  let total = 0;
  let hits = 0;
  for (let u = 0; u < units; u++) {
    const b = Math.floor(rng.next() * B);
    const unitOutcome = rng.next() < p ? 1 : 0;
    for (let r = 0; r < perUnit; r++) {
      const v = rng.next() < rho ? unitOutcome : rng.next() < p ? 1 : 0;
      n[b]! += 1;
      y[b]! += v;
      total += 1;
      hits += v;
    }
  }
  const q = hits / total;
  return { ratios: n.map((x, i) => ({ n: x, y: y[i]! })), counts: n, iid: (q * (1 - q)) / total };
}

describe('units that repeat', () => {
  it.each([
    ['one request per unit', 4000, 1, 0, 'no'],
    ['20 requests per unit, outcomes shared', 200, 20, 0.8, 'yes'],
  ] as const)('%s → repeat detected: %s', (_name, units, perUnit, rho, detected) => {
    const d = buckets(5, units, perUnit, 0.3, rho);
    expect(unitRepeatPValue(d.counts) < 0.01).toBe(detected === 'yes');
  });

  it('design effect is 1 without repeats and near 1 + (m − 1)ρ with them', () => {
    const plain = buckets(9, 4000, 1, 0.3, 0);
    expect(designEffect(plain.ratios, plain.counts, plain.iid)).toBe(1);
    const clustered = buckets(9, 300, 20, 0.3, 0.8);
    // Intra-unit correlation ≈ ρ² + … ≈ 0.64 + 0.36·…; 1 + 19·0.64 ≈ 13: the effect must be large.
    expect(designEffect(clustered.ratios, clustered.counts, clustered.iid)).toBeGreaterThan(5);
  });
});
