import { sampleIndex } from '../../server/decoding/sampling';
import type { ContinuationScore, LanguageModel, RewardModel, Rng, SampledStep, SampleOptions, Step, StepReward } from '../../server/decoding/types';

/** Next-step distribution of a fake model given the text so far. */
export type StepTable = (prefix: string) => { readonly [step: string]: number | undefined };

export interface FakeCall {
  readonly kind: 'sample' | 'score' | 'prm' | 'path';
  readonly prefixes: readonly string[];
  readonly steps?: readonly string[];
}

const FLOOR = 1e-12;

/** Log-probability of a whole step spread evenly over its characters, so the mean per token is known. */
function perTokenLogprobs(step: string, p: number): number[] {
  const n = Math.max(1, step.length);
  return Array<number>(n).fill(Math.log(Math.max(p, FLOOR)) / n);
}

/**
 * Deterministic fake LM over text states. `mode: 'cycle'` gives row k of a call
 * the k-th listed step (mod the list), which makes beam tests exact; 'sample'
 * draws from the table with the rng (temperature 0: the most likely step).
 * A step ending in "<eos>" stands for an <eos>-terminated step.
 */
export function createFakeLm(table: StepTable, mode: 'sample' | 'cycle' = 'sample'): LanguageModel<string> & { calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  return {
    calls,
    start: (prompt) => prompt,
    extend: (state, step) => state + step.text,
    async sampleSteps(states: readonly string[], options: SampleOptions, rng: Rng): Promise<SampledStep<string>[]> {
      calls.push({ kind: 'sample', prefixes: [...states] });
      return states.map((prefix, k) => {
        const entries = Object.entries(table(prefix)).filter((e): e is [string, number] => e[1] !== undefined);
        if (entries.length === 0) throw new Error(`fake LM has no step after ${JSON.stringify(prefix)}`);
        let idx: number;
        if (mode === 'cycle') idx = k % entries.length;
        else if (options.temperature <= 0) idx = entries.reduce((b, e, i) => (e[1] > entries[b]![1] ? i : b), 0);
        else idx = sampleIndex(entries.map((e) => e[1]), rng);
        const [raw, p] = entries[idx]!;
        const eos = raw.endsWith('<eos>');
        const text = eos ? raw.slice(0, -5) : raw;
        const logprobs = perTokenLogprobs(raw, p);
        return { text, eos, truncated: !eos && !text.endsWith('\n'), tokenLogprobs: logprobs, modelLogprobs: logprobs, state: prefix + text };
      });
    },
    async scoreContinuations(state: string, continuations: readonly Step[]): Promise<ContinuationScore<string>[]> {
      calls.push({ kind: 'score', prefixes: [state], steps: continuations.map((c) => c.text) });
      const dist = table(state);
      return continuations.map((c) => {
        const raw = c.eos ? `${c.text}<eos>` : c.text;
        const tokenLogprobs = perTokenLogprobs(raw, dist[raw] ?? 0);
        return { tokenLogprobs, meanLogprob: tokenLogprobs[0]!, state: state + c.text };
      });
    },
  };
}

/** Fake PRM: `score(textSoFar)` after each step. */
export function createFakePrm(score: (text: string) => number): RewardModel<string> & { calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  return {
    calls,
    start: (prompt) => prompt,
    async scoreSteps(states: readonly string[], steps: readonly Step[]): Promise<StepReward<string>[]> {
      calls.push({ kind: 'prm', prefixes: [...states], steps: steps.map((s) => s.text) });
      return states.map((prefix, i) => {
        const text = prefix + steps[i]!.text;
        return { score: score(text), state: text };
      });
    },
    async scorePath(state: string, steps: readonly Step[]): Promise<number[]> {
      calls.push({ kind: 'path', prefixes: [state], steps: steps.map((s) => s.text) });
      let text = state;
      return steps.map((s) => score((text += s.text)));
    },
  };
}
