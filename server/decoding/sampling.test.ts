import { createRng } from '../task/rng';
import { argmax, logSumExp, nucleus, sampleSoftmax, sampleToken, sampleTokenWithLogprob, softmax, tokenLogprob } from './sampling';

const logits = Float32Array.from([1, 3, 2, -1]);

describe('sampling', () => {
  it('computes log-probabilities that sum to one', () => {
    const total = [0, 1, 2, 3].reduce((s, t) => s + Math.exp(tokenLogprob(logits, t)), 0);
    expect(total).toBeCloseTo(1, 10);
    expect(logSumExp([0, 0])).toBeCloseTo(Math.log(2), 12);
  });

  it.each([
    // [temperature, topP]: the log-probability is that of the distribution actually sampled from.
    [1, 1],
    [0.5, 1],
    [2, 1],
    [0.8, 0.8],
  ])('proposal log-probability at temperature %p, top-p %p', (temperature, topP) => {
    const rng = createRng(5);
    const kept = nucleus(softmax(logits, temperature), topP);
    const mass = kept.reduce((a, e) => a + e.p, 0);
    for (let i = 0; i < 20; i++) {
      const { token, logprob } = sampleTokenWithLogprob(logits, { temperature, topP }, rng);
      const p = kept.find((e) => e.token === token)!.p / mass;
      expect(logprob).toBeCloseTo(Math.log(p), 10);
    }
    expect(sampleTokenWithLogprob(logits, { temperature: 0, topP: 1 }, rng)).toEqual({ token: 1, logprob: 0 });
  });

  it.each([1, 2, 3, 99])('temperature 0 is argmax and draws nothing (seed %i)', (seed) => {
    const rng = createRng(seed);
    const draws = { n: 0 };
    const counting = { next: () => (draws.n++, rng.next()) };
    expect(sampleToken(logits, { temperature: 0, topP: 0.5 }, counting)).toBe(1);
    expect(draws.n).toBe(0);
  });

  it.each([
    [0.1, [1]],
    [0.6, [1]],
    [0.8, [1, 2]],
    [0.98, [1, 2, 0]],
    [1, [1, 2, 0, 3]],
  ])('top-p %p keeps tokens %j', (topP, tokens) => {
    expect(nucleus(softmax(logits), topP).map((e) => e.token)).toEqual(tokens);
  });

  it('never samples outside the nucleus', () => {
    const rng = createRng(7);
    for (let i = 0; i < 500; i++) expect([1, 2]).toContain(sampleToken(logits, { temperature: 1, topP: 0.8 }, rng));
  });

  it('is deterministic under a seed', () => {
    const run = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () => sampleToken(logits, { temperature: 1.3, topP: 0.95 }, rng));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('matches the softmax distribution at temperature 1', () => {
    const rng = createRng(11);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) (counts[sampleToken(logits, { temperature: 1, topP: 1 }, rng)] as number)++;
    softmax(logits).forEach((p, t) => expect((counts[t] as number) / n).toBeCloseTo(p, 1));
  });

  it('low temperature concentrates on the best score', () => {
    const rng = createRng(3);
    const picks = Array.from({ length: 200 }, () => sampleSoftmax([0.1, 0.5, 0.2], 0.01, rng));
    expect(new Set(picks)).toEqual(new Set([1]));
    expect(argmax([0.1, 0.5, 0.2])).toBe(1);
  });
});
