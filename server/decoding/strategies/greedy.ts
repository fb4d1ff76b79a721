import { isFinalStep, type LanguageModel, type RewardModel, type Rng, type SearchResult, type Step } from '../types';

export interface GreedyOptions {
  readonly maxSteps: number;
  readonly maxTokens: number;
}

/** One path, argmax decoding, no search. The PRM scores the finished path in a single pass (for reporting only). */
export async function greedy<S, P>(
  lm: LanguageModel<S>,
  prm: RewardModel<P>,
  role: 'draft' | 'target',
  prompt: string,
  options: GreedyOptions,
  rng: Rng,
): Promise<SearchResult> {
  let state = lm.start(prompt);
  const steps: Step[] = [];
  let finished = false;
  for (let i = 0; i < options.maxSteps; i++) {
    const [sample] = await lm.sampleSteps([state], { temperature: 0, topP: 1, maxTokens: options.maxTokens }, rng);
    if (!sample) break;
    steps.push({ text: sample.text, eos: sample.eos });
    state = sample.state;
    if (isFinalStep(sample)) {
      finished = true;
      break;
    }
    if (sample.truncated) break;
  }
  const scores = steps.length > 0 ? await prm.scorePath(prm.start(prompt), steps) : [];
  return {
    steps: steps.map((s, i) => ({ text: s.text, model: role, prmScore: scores[i] ?? 0 })),
    finished,
    prmScore: scores.length > 0 ? (scores[scores.length - 1] as number) : null,
    draftAttempts: 0,
    draftAccepted: 0,
    fallbacks: 0,
  };
}
