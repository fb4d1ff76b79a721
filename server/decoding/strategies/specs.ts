import { sampleSoftmax } from '../sampling';
import { dedupe, stepKey } from './dedupe';
import {
  isFinalStep,
  type ContinuationScore,
  type LanguageModel,
  type RewardModel,
  type Rng,
  type SampledStep,
  type SampleOptions,
  type SearchResult,
  type StepRecord,
  type StepReward,
} from '../types';

/**
 * Defaults for the SPECS knobs, chosen on the validation set (npm run tune -- --strategy specs;
 * experiments/results/tuning/specs.md). Re-tune whenever the models change.
 */
/** Who writes the first step: the target (then the draft, if the PRM trusts that step), or the draft like any other. */
export const SPECS_FIRST_STEPS = ['target', 'draft'] as const;
export type SpecsFirstStep = (typeof SPECS_FIRST_STEPS)[number];

export const SPECS_DEFAULTS = Object.freeze({
  firstStep: 'draft' as SpecsFirstStep,
  lambda: 2,
  theta: 1.5,
  tau: 0.3,
  selectionTemperature: 0.1,
  temperature: 0.8,
});

export interface SpecsOptions {
  /** Candidates per step (drafts, or target samples on fallback). */
  readonly n: number;
  /** Weight λ ≥ 0 of the PRM score in s = mean(log p_target − log p_draft) + λ·r. */
  readonly lambda: number;
  /** Acceptance threshold θ on s. */
  readonly theta: number;
  /** After a target step, the draft takes the next step only if the kept step's PRM score r > τ. */
  readonly tau: number;
  /** T in softmax(s / T) used to pick among accepted drafts. */
  readonly selectionTemperature: number;
  readonly maxSteps: number;
  readonly sample: SampleOptions;
  /** 'draft': the first step is drafted and verified like the others (falling back to the target when none is accepted). */
  readonly firstStep: SpecsFirstStep;
  /**
   * When the sampled accepted draft is an answer line, take the best-scoring accepted answer
   * line instead. Not in the paper or its reference code: off by default, kept for experiments.
   */
  readonly finalStepOverride?: boolean;
}

/**
 * SPECS (arXiv 2506.15733): the draft proposes n candidate steps, the target and
 * the PRM verify them; hard steps (nothing accepted) go to the target. One
 * prefix is kept; the first step is written by the target or drafted (options.firstStep).
 */
export async function specsSearch<SD, ST, P>(
  draft: LanguageModel<SD>,
  target: LanguageModel<ST>,
  prm: RewardModel<P>,
  prompt: string,
  options: SpecsOptions,
  rng: Rng,
): Promise<SearchResult> {
  let d = draft.start(prompt);
  let t = target.start(prompt);
  let r = prm.start(prompt);
  const steps: StepRecord[] = [];
  let useDraft = options.firstStep === 'draft';
  let finished = false;
  let prmScore: number | null = null;
  let draftAttempts = 0;
  let draftAccepted = 0;
  let fallbacks = 0;

  for (let i = 0; i < options.maxSteps && !finished; i++) {
    if (useDraft) {
      draftAttempts++;
      const drafts = await draft.sampleSteps(Array<SD>(options.n).fill(d), options.sample, rng);
      const scores = await scoreDrafts(drafts, target, t, prm, r, options);
      const accepted = drafts.flatMap((_, k) => (scores[k]!.s > options.theta ? [k] : []));
      if (accepted.length > 0) {
        draftAccepted++;
        const s = scores.map((x) => x.s);
        let pick = accepted[sampleSoftmax(accepted.map((k) => s[k]!), options.selectionTemperature, rng)]!;
        if (options.finalStepOverride && isFinalStep(drafts[pick]!)) pick = bestBy(accepted.filter((k) => isFinalStep(drafts[k]!)), s);
        const chosen = drafts[pick]!;
        const { verified, reward } = scores[pick]!;
        d = chosen.state;
        t = verified!.state;
        r = reward!.state;
        prmScore = reward!.score;
        steps.push({ text: chosen.text, model: 'draft', prmScore, score: s[pick]!, accepted: true });
        finished = isFinalStep(chosen);
        continue;
      }
      fallbacks++;
    }
    const candidates = await target.sampleSteps(Array<ST>(options.n).fill(t), options.sample, rng);
    const { unique, slot } = dedupe(candidates.map(stepKey));
    const rewardsUnique = await prm.scoreSteps(Array<P>(unique.length).fill(r), unique.map((k) => candidates[k]!));
    const rewards = slot.map((u) => rewardsUnique[u]!);
    const rewardScores = rewards.map((x) => x.score);
    const usable = candidates.flatMap((c, k) => (c.truncated ? [] : [k]));
    const pick = bestBy(usable.length > 0 ? usable : candidates.map((_, k) => k), rewardScores);
    const chosen = candidates[pick]!;
    d = draft.extend(d, chosen);
    t = chosen.state;
    r = rewards[pick]!.state;
    prmScore = rewardScores[pick]!;
    steps.push({ text: chosen.text, model: 'target', prmScore, accepted: false });
    finished = isFinalStep(chosen);
    if (chosen.truncated) break;
    useDraft = prmScore > options.tau;
  }
  return { steps, finished, prmScore, draftAttempts, draftAccepted, fallbacks };
}

interface DraftScore<ST, P> {
  /** s = mean(log p_target − log q_draft) + λ·r; −Infinity for a draft that cannot be accepted. */
  readonly s: number;
  readonly verified?: ContinuationScore<ST>;
  readonly reward?: StepReward<P>;
}

/**
 * Scores each draft as SPECS does, spending model calls only where they can change the
 * outcome: each distinct draft is verified once; truncated drafts (not a step) are never
 * accepted, so they are not verified; and since r ∈ [0, 1] and λ ≥ 0, a draft whose log-ratio + λ ≤ θ
 * cannot be accepted whatever the PRM says, so the PRM scores only the others (and is not
 * called at all on a step that must fall back). The result equals scoring every draft.
 */
async function scoreDrafts<SD, ST, P>(
  drafts: readonly SampledStep<SD>[],
  target: LanguageModel<ST>,
  t: ST,
  prm: RewardModel<P>,
  r: P,
  options: SpecsOptions,
): Promise<DraftScore<ST, P>[]> {
  const { unique, slot } = dedupe(drafts.map(stepKey));
  const verifiable = unique.filter((k) => !drafts[k]!.truncated);
  // Sequential on purpose: onnxruntime-node runs sessions synchronously on the main thread,
  // so Promise.all would not overlap the target's and the PRM's passes.
  const verified = verifiable.length > 0 ? await target.scoreContinuations(t, verifiable.map((k) => drafts[k]!)) : [];
  // log p_target − log q_draft per token, q being the proposal the draft actually sampled from.
  const ratios = verifiable.map((k, v) => meanLogRatio(verified[v]!.tokenLogprobs, drafts[k]!.tokenLogprobs));
  const promising = verifiable.flatMap((_, v) => (ratios[v]! + options.lambda > options.theta ? [v] : []));
  const rewards = promising.length > 0 ? await prm.scoreSteps(Array<P>(promising.length).fill(r), promising.map((v) => drafts[verifiable[v]!]!)) : [];
  const byDraft = new Map<number, DraftScore<ST, P>>();
  promising.forEach((v, i) => byDraft.set(verifiable[v]!, { s: ratios[v]! + options.lambda * rewards[i]!.score, verified: verified[v], reward: rewards[i] }));
  return slot.map((u) => byDraft.get(unique[u]!) ?? { s: -Infinity });
}

function meanLogRatio(logTarget: readonly number[], logDraft: readonly number[]): number {
  return logDraft.reduce((sum, lp, j) => sum + (logTarget[j]! - lp), 0) / Math.max(1, logDraft.length);
}

/** Index (from `indices`) with the highest score; earliest wins ties. */
function bestBy(indices: readonly number[], scores: readonly number[]): number {
  let best = indices[0]!;
  for (const k of indices) if (scores[k]! > scores[best]!) best = k;
  return best;
}
