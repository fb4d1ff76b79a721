import type { Rng } from './types';

export interface SamplingParams {
  readonly temperature: number;
  readonly topP: number;
}

/** log Σ exp(logits), numerically stable. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  return max + Math.log(sum);
}

/** log p(token) under softmax(logits) (temperature 1). */
export function tokenLogprob(logits: ArrayLike<number>, token: number): number {
  return (logits[token] as number) - logSumExp(logits);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** Softmax of logits / temperature (temperature > 0). */
export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  const scaled = Array.from(logits, (v) => v / temperature);
  const lse = logSumExp(scaled);
  return scaled.map((v) => Math.exp(v - lse));
}

/**
 * Smallest set of tokens, most probable first, whose mass reaches topP
 * (ties broken by lower index so results are reproducible).
 */
export function nucleus(probs: readonly number[], topP: number): { token: number; p: number }[] {
  const order = probs.map((p, token) => ({ token, p })).sort((a, b) => b.p - a.p || a.token - b.token);
  if (topP >= 1) return order.filter((e) => e.p > 0);
  const kept: { token: number; p: number }[] = [];
  let mass = 0;
  for (const e of order) {
    kept.push(e);
    mass += e.p;
    if (mass >= topP) break;
  }
  return kept;
}

/** Samples an index from unnormalised non-negative weights with one rng draw. */
export function sampleIndex(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return i;
  }
  // Rounding left u ≥ 0: return the last index with weight.
  for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
  return weights.length - 1;
}

/** Temperature + top-p sampling; temperature 0 is argmax and draws nothing from rng. */
export function sampleToken(logits: ArrayLike<number>, params: SamplingParams, rng: Rng): number {
  return sampleTokenWithLogprob(logits, params, rng).token;
}

/**
 * Samples a token and returns log q(token) under the proposal it was drawn from: the
 * tempered softmax restricted to the nucleus and renormalised (0 for argmax, a point mass).
 * SPECS' likelihood ratio needs exactly this q, not the model's temperature-1 distribution.
 */
export function sampleTokenWithLogprob(logits: ArrayLike<number>, params: SamplingParams, rng: Rng): { token: number; logprob: number } {
  if (params.temperature <= 0) return { token: argmax(logits), logprob: 0 };
  const kept = nucleus(softmax(logits, params.temperature), params.topP);
  const weights = kept.map((e) => e.p);
  const pick = kept[sampleIndex(weights, rng)] as { token: number; p: number };
  const mass = weights.reduce((a, b) => a + b, 0);
  return { token: pick.token, logprob: Math.log(pick.p / mass) };
}

/** Samples one index with probability softmax(scores / temperature). */
export function sampleSoftmax(scores: readonly number[], temperature: number, rng: Rng): number {
  if (temperature <= 0) return argmax(scores);
  return sampleIndex(softmax(scores, temperature), rng);
}
