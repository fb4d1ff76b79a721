import { forward, gatherRows, outputAt, type KvBatch } from './kv-cache';
import { sampleTokenWithLogprob, tokenLogprob } from './sampling';
import { encodeSharedPrefixes, promptPart, type ModelContext, type SeqState } from './seq-state';
import type { Rng, SampledStep, SampleOptions } from './types';

/**
 * Samples one step (up to "\n" or <eos>) for every state, all rows in one batch
 * per token. Finished rows feed masked pads until every row is done. The stop
 * token stays pending in the returned state (encoded by whatever comes next),
 * which saves a forward pass per step.
 */
export async function generateSteps(ctx: ModelContext, input: readonly SeqState[], options: SampleOptions, rng: Rng): Promise<SampledStep<SeqState>[]> {
  const { tokenizer, session } = ctx;
  const states = await encodeSharedPrefixes(ctx, input);
  const rows = states.length;
  let batch: KvBatch = gatherRows(session.layout, states.map((s) => s.kv));
  const pos = states.map((s) => s.pos);
  let logits: (Float32Array | null)[] = states.map((s) => (s.pending.length === 0 ? s.lastLogits : null));

  let feed: (readonly number[])[] = states.map((s) => s.pending);
  let promptFeed = states.map((s) => promptPart(s, s.pending.length));
  const generated: number[][] = states.map(() => []);
  const logprobs: number[][] = states.map(() => []);
  const modelLogprobs: number[][] = states.map(() => []);
  const done = new Array<boolean>(rows).fill(false);
  const truncated = new Array<boolean>(rows).fill(false);
  const masked = new Float32Array(tokenizer.vocabSize);

  for (;;) {
    if (feed.some((f) => f.length > 0)) {
      const result = await forward(
        session,
        batch,
        feed.map((tokens, r) => ({ tokens, pos: pos[r]!, promptTokens: promptFeed[r]! })),
        tokenizer.pad,
        ctx.usage,
      );
      batch = result.batch;
      logits = logits.map((l, r) => (feed[r]!.length > 0 ? outputAt(result, r, feed[r]!.length - 1) : l));
      feed.forEach((f, r) => (pos[r]! += f.length));
    }
    let active = 0;
    for (let r = 0; r < rows; r++) {
      if (done[r]) continue;
      const row = logits[r];
      if (!row) throw new Error('internal: no logits for an unfinished row');
      masked.set(row);
      // Never sample pad/bos: they are not part of any solution.
      masked[tokenizer.pad] = -Infinity;
      masked[tokenizer.bos] = -Infinity;
      const { token, logprob } = sampleTokenWithLogprob(masked, options, rng);
      generated[r]!.push(token);
      logprobs[r]!.push(logprob);
      modelLogprobs[r]!.push(options.temperature === 1 && options.topP >= 1 ? logprob : tokenLogprob(masked, token));
      if (token === tokenizer.newline || token === tokenizer.eos) done[r] = true;
      else if (generated[r]!.length >= options.maxTokens || pos[r]! + 2 >= session.maxPositions) {
        done[r] = true;
        truncated[r] = true;
      } else active++;
    }
    if (active === 0) break;
    feed = generated.map((g, r) => (done[r] ? [] : [g[g.length - 1]!]));
    promptFeed = feed.map(() => 0);
  }

  return states.map((s, r) => {
    const tokens = generated[r]!;
    const last = tokens[tokens.length - 1]!;
    const eos = last === tokenizer.eos;
    const text = tokenizer.decode(tokens) + (truncated[r] ? '\n' : '');
    return {
      text,
      eos,
      truncated: truncated[r]!,
      tokenLogprobs: logprobs[r]!,
      modelLogprobs: modelLogprobs[r]!,
      state: {
        kv: { batch, row: r },
        pos: pos[r]!,
        pending: truncated[r] ? [last, tokenizer.newline] : [last],
        lastLogits: null,
        promptLen: s.promptLen,
      },
    };
  });
}
