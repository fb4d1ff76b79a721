import type { ModelUsage } from '../vocabulary';
import { forward, gatherRows, outputAt, type KvRow } from './kv-cache';
import type { ModelSession } from './model-session';
import type { Tokenizer } from './tokenizer';

/**
 * One sequence as seen by one model: what is already in its KV cache (a row of
 * some batch), the tokens not yet encoded, and — for LMs, when nothing is
 * pending — the next-token logits computed when the last token was encoded.
 */
export interface SeqState {
  readonly kv: KvRow | null;
  /** Real tokens in the KV cache = position id of the next token. */
  readonly pos: number;
  readonly pending: readonly number[];
  /** Next-token logits; only valid while nothing is pending. */
  readonly lastLogits: Float32Array | null;
  /** Length of the prompt (bos included), for prompt/generated accounting. */
  readonly promptLen: number;
}

/** Everything a runtime helper needs for one model within one request. */
export interface ModelContext {
  readonly session: ModelSession;
  readonly tokenizer: Tokenizer;
  readonly usage: ModelUsage;
  /** Encoded twin of states whose pending prefix was encoded for a fork, so it is never encoded twice. */
  readonly encoded?: WeakMap<SeqState, SeqState>;
}

/** The state itself, or its already-encoded twin. */
export const resolveState = (ctx: ModelContext, state: SeqState): SeqState => ctx.encoded?.get(state) ?? state;

export function startState(tokenizer: Tokenizer, prompt: string): SeqState {
  const pending = [tokenizer.bos, ...tokenizer.encode(prompt)];
  return { kv: null, pos: 0, pending, lastLogits: null, promptLen: pending.length };
}

export function appendTokens(state: SeqState, tokens: readonly number[]): SeqState {
  if (tokens.length === 0) return state;
  return { ...state, pending: [...state.pending, ...tokens], lastLogits: null };
}

/** How many of `count` tokens fed from `pos` on are prompt tokens. */
export const promptPart = (state: SeqState, count: number): number => Math.max(0, Math.min(count, state.promptLen - state.pos));

/**
 * Encodes the pending tokens of states that appear more than once (a prefix
 * about to be forked), once each, so the fork copies KV instead of re-running
 * the prefix n times. Single-token pendings are left alone: feeding them with
 * the batch is cheaper than an extra call.
 */
export async function encodeSharedPrefixes(ctx: ModelContext, states: readonly SeqState[]): Promise<SeqState[]> {
  const resolved = states.map((s) => resolveState(ctx, s));
  const counts = new Map<SeqState, number>();
  for (const s of resolved) counts.set(s, (counts.get(s) ?? 0) + 1);
  const shared = [...counts].filter(([s, c]) => c > 1 && s.pending.length > 1).map(([s]) => s);
  if (shared.length === 0) return resolved;
  const encoded = await encodePending(ctx, shared);
  const byOld = new Map(shared.map((s, i) => [s, encoded[i]!]));
  for (const [old, enc] of byOld) ctx.encoded?.set(old, enc);
  return resolved.map((s) => byOld.get(s) ?? s);
}

/** Runs the pending tokens of each state through the model (one batched call). */
export async function encodePending(ctx: ModelContext, states: readonly SeqState[]): Promise<SeqState[]> {
  const batch = gatherRows(ctx.session.layout, states.map((s) => s.kv));
  const result = await forward(
    ctx.session,
    batch,
    states.map((s) => ({ tokens: s.pending, pos: s.pos, promptTokens: promptPart(s, s.pending.length) })),
    ctx.tokenizer.pad,
    ctx.usage,
  );
  const isLm = ctx.session.kind === 'lm';
  return states.map((s, row) => ({
    kv: { batch: result.batch, row },
    pos: s.pos + s.pending.length,
    pending: [],
    lastLogits: isLm ? (s.pending.length > 0 ? outputAt(result, row, s.pending.length - 1).slice() : s.lastLogits) : null,
    promptLen: s.promptLen,
  }));
}
