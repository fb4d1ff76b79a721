import { forward, gatherRows, outputAt } from './kv-cache';
import { encodeSharedPrefixes, promptPart, type ModelContext, type SeqState } from './seq-state';
import { isFinalStep, type Step, type StepReward } from './types';

/** PRM input for a step: its text, plus <eos> after a final step (the PRM's whole-solution score sits there). */
export function prmStepTokens(ctx: ModelContext, step: Step): number[] {
  const ids = ctx.tokenizer.encode(step.text);
  if (isFinalStep(step)) ids.push(ctx.tokenizer.eos);
  return ids;
}

/** Scores states[i] + steps[i] for all i in one pass, reading the score at each step's last token. */
export async function scoreSteps(ctx: ModelContext, input: readonly SeqState[], steps: readonly Step[]): Promise<StepReward<SeqState>[]> {
  const states = await encodeSharedPrefixes(ctx, input);
  const feed = states.map((s, i) => [...s.pending, ...prmStepTokens(ctx, steps[i]!)]);
  const batch = gatherRows(ctx.session.layout, states.map((s) => s.kv));
  const result = await forward(
    ctx.session,
    batch,
    feed.map((tokens, i) => ({ tokens, pos: states[i]!.pos, promptTokens: promptPart(states[i]!, tokens.length) })),
    ctx.tokenizer.pad,
    ctx.usage,
  );
  return states.map((s, row) => {
    const fed = feed[row]!.length;
    return {
      score: outputAt(result, row, fed - 1)[0]!,
      state: { kv: { batch: result.batch, row }, pos: s.pos + fed, pending: [], lastLogits: null, promptLen: s.promptLen },
    };
  });
}

/** Score after each step of a whole path, from a single one-row pass. */
export async function scorePath(ctx: ModelContext, state: SeqState, steps: readonly Step[]): Promise<number[]> {
  const ends: number[] = [];
  const tokens = [...state.pending];
  for (const step of steps) {
    tokens.push(...prmStepTokens(ctx, step));
    ends.push(tokens.length - 1);
  }
  const batch = gatherRows(ctx.session.layout, [state.kv]);
  const result = await forward(ctx.session, batch, [{ tokens, pos: state.pos, promptTokens: promptPart(state, tokens.length) }], ctx.tokenizer.pad, ctx.usage);
  return ends.map((i) => outputAt(result, 0, i)[0]!);
}
