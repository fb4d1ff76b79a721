import { extractAnswer } from '../../task/grader';
import { dedupe, stepKey } from './dedupe';
import { isFinalStep, type LanguageModel, type RewardModel, type Rng, type SampleOptions, type SearchResult, type StepRecord } from '../types';

/** How a path's per-step PRM scores become its score (search-and-learn's `agg_strategy`). */
export const PRM_AGGREGATIONS = ['last', 'min', 'prod'] as const;
export type PrmAggregation = (typeof PRM_AGGREGATIONS)[number];

export function aggregatePrm(scores: readonly number[], how: PrmAggregation): number {
  if (scores.length === 0) return -Infinity;
  if (how === 'last') return scores[scores.length - 1]!;
  if (how === 'min') return Math.min(...scores);
  return scores.reduce((a, b) => a * b, 1);
}

/**
 * How the answer is chosen among the finished paths (search-and-learn scores every search
 * both ways): 'best', the path with the highest score; 'weighted', weighted best-of-n, the
 * answer whose paths' scores sum highest (its `pred_weighted`), then that answer's best path.
 */
export const ANSWER_SELECTIONS = ['best', 'weighted'] as const;
export type AnswerSelection = (typeof ANSWER_SELECTIONS)[number];

/**
 * The baseline's defaults, chosen on the validation set with the same tuning budget as
 * SPECS (npm run tune -- --strategy beam-target; experiments/results/tuning/beam-target.md).
 */
export const BEAM_DEFAULTS = Object.freeze({
  temperature: 1,
  beamWidth: 4,
  prmAggregation: 'min' as PrmAggregation,
});

export interface BeamSearchOptions {
  /** Paths sampled per iteration. */
  readonly n: number;
  /** Beam width M: each kept beam is expanded into M candidates, n/M beams survive. */
  readonly beamWidth: number;
  readonly maxSteps: number;
  readonly sample: SampleOptions;
  /** Path score from its step scores (default 'last'). */
  readonly prmAggregation?: PrmAggregation;
  /** Answer among the finished paths (default 'best'). */
  readonly answerSelection?: AnswerSelection;
  /** Beam threshold ρ in [0, 1): paths scoring below ρ × the best live path's score are dropped (0, the default: none). */
  readonly pruneRatio?: number;
  /** β ≥ 0: a path scores its aggregated PRM score × P_model(path)^β (0, the default: the PRM alone). */
  readonly likelihoodWeight?: number;
}

interface Beam<S, P> {
  readonly lm: S;
  readonly prm: P;
  readonly steps: readonly StepRecord[];
  /** log P(path) under the searching model at temperature 1. */
  readonly logLikelihood: number;
  readonly score: number | null;
}

/**
 * Step-level beam search guided by a PRM, after Hugging Face search-and-learn:
 * each iteration tops the kept beams back up to n (round-robin copies), samples
 * one step for each, scores it with the PRM, drops duplicate paths (its
 * `filter_duplicates`: two beams with the same text would waste the width) and
 * keeps the best n/M unfinished ones by the aggregated path score (optionally only
 * those within a beam threshold of the best, `pruneRatio`). Finished
 * candidates go to a pool; the answer is the pooled candidate with the highest score.
 */
export async function beamSearch<S, P>(
  lm: LanguageModel<S>,
  prm: RewardModel<P>,
  role: 'draft' | 'target',
  prompt: string,
  options: BeamSearchOptions,
  rng: Rng,
): Promise<SearchResult> {
  const keep = Math.max(1, Math.floor(options.n / options.beamWidth));
  let active: Beam<S, P>[] = [{ lm: lm.start(prompt), prm: prm.start(prompt), steps: [], logLikelihood: 0, score: null }];
  let lastCandidates: Beam<S, P>[] = [];
  const pool: Beam<S, P>[] = [];
  const pooled = new Set<string>();
  const aggregation = options.prmAggregation ?? 'last';
  const beta = options.likelihoodWeight ?? 0;

  for (let iteration = 0; iteration < options.maxSteps && active.length > 0; iteration++) {
    const expanded = Array.from({ length: options.n }, (_, i) => active[i % active.length] as Beam<S, P>);
    const samples = await lm.sampleSteps(
      expanded.map((b) => b.lm),
      options.sample,
      rng,
    );
    // A beam that sampled the same step twice gets it scored once.
    const { unique, slot } = dedupe(expanded.map((_, i) => `${i % active.length}\u0001${stepKey(samples[i]!)}`));
    const rewardsUnique = await prm.scoreSteps(
      unique.map((i) => expanded[i]!.prm),
      unique.map((i) => samples[i]!),
    );
    const rewards = slot.map((u) => rewardsUnique[u]!);
    const live: Beam<S, P>[] = [];
    lastCandidates = expanded.map((beam, i) => {
      const sample = samples[i]!;
      const reward = rewards[i]!;
      const steps = [...beam.steps, { text: sample.text, model: role, prmScore: reward.score }];
      const logLikelihood = beam.logLikelihood + sample.modelLogprobs.reduce((a, b) => a + b, 0);
      const score = pathScore(aggregatePrm(steps.map((x) => x.prmScore), aggregation), logLikelihood, beta);
      const next: Beam<S, P> = { lm: sample.state, prm: reward.state, steps, logLikelihood, score };
      if (isFinalStep(sample)) {
        if (!pooled.has(pathKey(next))) pool.push(next);
        pooled.add(pathKey(next));
      } else if (!sample.truncated) live.push(next);
      return next;
    });
    if (pool.length >= options.n) break;
    active = topByScore(withinThreshold(distinctPaths(live), options.pruneRatio ?? 0), keep);
  }

  const finished = pool.length > 0;
  const best = finished ? selectAnswer(pool, options.answerSelection ?? 'best') : topByScore(lastCandidates, 1)[0];
  return {
    steps: best?.steps ?? [],
    finished,
    prmScore: best ? aggregatePrm(best.steps.map((x) => x.prmScore), aggregation) : null,
    draftAttempts: 0,
    draftAccepted: 0,
    fallbacks: 0,
  };
}

/**
 * The aggregated PRM score, times the path's likelihood under the searching model to the
 * power β. β > 0 lets the policy's own confidence break the PRM's near-ties: its worst
 * mistakes on the target's samples are a wrong digit scored a few hundredths above the right
 * one where the target itself preferred the right one (experiments/results/trials/search-helps.md §6).
 */
export function pathScore(prm: number, logLikelihood: number, beta: number): number {
  return beta === 0 ? prm : prm * Math.exp(beta * logLikelihood);
}

/** The finished path that answers (see ANSWER_SELECTIONS). */
export function selectAnswer<B extends { steps: readonly StepRecord[]; score: number | null }>(paths: readonly B[], how: AnswerSelection): B | undefined {
  if (how === 'best') return topByScore(paths, 1)[0];
  const votes = new Map<number, number>();
  const answers = paths.map((b) => extractAnswer(pathKey(b)));
  answers.forEach((a, i) => a !== null && votes.set(a, (votes.get(a) ?? 0) + (paths[i]!.score ?? 0)));
  // A path without an answer has nothing to vote for; with no answer at all, the best path stands.
  let winner: number | null = null;
  for (const [answer, weight] of votes) if (winner === null || weight > votes.get(winner)!) winner = answer;
  return topByScore(
    paths.filter((_, i) => winner === null || answers[i] === winner),
    1,
  )[0];
}

const pathKey = (b: { steps: readonly StepRecord[] }): string => b.steps.map((x) => x.text).join('');

/** First of each distinct path text (candidates arrive in beam order, so the result is deterministic). */
function distinctPaths<B extends { steps: readonly StepRecord[] }>(items: readonly B[]): B[] {
  const seen = new Set<string>();
  return items.filter((b) => !seen.has(pathKey(b)) && Boolean(seen.add(pathKey(b))));
}

/**
 * The classic beam threshold: a path far below the best one is dropped even when the
 * width has room for it. Kept beams share the n samples of the next iteration equally,
 * so a path the PRM has already judged wrong would otherwise take samples from the good
 * ones (a confident lineage dedupes to a single beam, leaving the other slots to it).
 */
export function withinThreshold<B extends { score: number | null }>(items: readonly B[], ratio: number): B[] {
  if (ratio <= 0 || items.length === 0) return [...items];
  const best = Math.max(...items.map((b) => b.score ?? -Infinity));
  return items.filter((b) => (b.score ?? -Infinity) >= ratio * best);
}

/** Highest scores first; ties keep the earlier candidate (stable sort) for determinism. */
function topByScore<B extends { score: number | null }>(items: readonly B[], k: number): B[] {
  return [...items].sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity)).slice(0, k);
}
