import { forward, gatherRows, outputAt } from './kv-cache';
import { tokenLogprob } from './sampling';
import { encodeSharedPrefixes, promptPart, type ModelContext, type SeqState } from './seq-state';
import type { ContinuationScore, Step } from './types';

export const stepTokens = (ctx: ModelContext, step: Step): number[] => {
  const ids = ctx.tokenizer.encode(step.text);
  if (step.eos) ids.push(ctx.tokenizer.eos);
  return ids;
};

/**
 * Log-probabilities of every continuation after one prefix, in ONE forward pass:
 * the prefix KV is forked into a row per continuation. The returned states keep
 * the KV this pass computed, so an accepted continuation extends the prefix
 * without recomputation.
 */
export async function scoreContinuations(ctx: ModelContext, prefix: SeqState, continuations: readonly Step[]): Promise<ContinuationScore<SeqState>[]> {
  if (continuations.length === 0) return [];
  const [state] = await encodeSharedPrefixes(ctx, continuations.length > 1 ? [prefix, prefix] : [prefix]);
  const base = state!;
  const conts = continuations.map((c) => stepTokens(ctx, c));
  const feed = conts.map((c) => [...base.pending, ...c]);
  const batch = gatherRows(ctx.session.layout, feed.map(() => base.kv));
  const result = await forward(
    ctx.session,
    batch,
    feed.map((tokens) => ({ tokens, pos: base.pos, promptTokens: promptPart(base, tokens.length) })),
    ctx.tokenizer.pad,
    ctx.usage,
  );
  const { pad, bos } = ctx.tokenizer;
  const masked = new Float32Array(ctx.tokenizer.vocabSize);
  const offset = base.pending.length;
  return conts.map((tokens, row) => {
    const tokenLogprobs = tokens.map((token, j) => {
      const index = offset + j - 1;
      const logits = index >= 0 ? outputAt(result, row, index) : base.lastLogits;
      if (!logits) throw new Error('internal: prefix has neither pending tokens nor logits');
      masked.set(logits);
      masked[pad] = -Infinity;
      masked[bos] = -Infinity;
      return tokenLogprob(masked, token);
    });
    const fed = feed[row]!.length;
    return {
      tokenLogprobs,
      meanLogprob: tokenLogprobs.reduce((a, b) => a + b, 0) / Math.max(1, tokenLogprobs.length),
      state: {
        kv: { batch: result.batch, row },
        pos: base.pos + fed,
        pending: [],
        lastLogits: outputAt(result, row, fed - 1).slice(),
        promptLen: base.promptLen,
      },
    };
  });
}
