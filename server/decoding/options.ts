import { z } from 'zod';
import { DecodingOptionsError } from './errors';
import { ANSWER_SELECTIONS, BEAM_DEFAULTS, PRM_AGGREGATIONS } from './strategies/beam-search';
import { SPECS_DEFAULTS, SPECS_FIRST_STEPS } from './strategies/specs';
import { STRATEGIES, type Strategy } from '../vocabulary';


export const DEFAULT_N = 8;
export const DEFAULT_BEAM_WIDTH = 4;
export const DEFAULT_TEMPERATURE = 0.8;
export const DEFAULT_TOP_P = 1;
export const DEFAULT_MAX_STEPS = 12;
export const DEFAULT_MAX_TOKENS_PER_STEP = 40;

/** Options of one solve request: variant params are validated with this schema when an experiment is saved. */
export const solveOptionsSchema = z
  .object({
    strategy: z.enum(STRATEGIES),
    /** Paths per iteration (beam) / candidates per step (SPECS). Ignored by greedy. */
    n: z.number().int().min(1).max(64).default(DEFAULT_N),
    /** Beam width M: n/M beams survive each iteration. */
    beamWidth: z.number().int().min(1).max(64).default(DEFAULT_BEAM_WIDTH),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** SPECS: who writes the first step, the target or the draft (verified like every later step). */
    firstStep: z.enum(SPECS_FIRST_STEPS).default(SPECS_DEFAULTS.firstStep),
    /** SPECS λ: weight of the PRM score in the draft score. */
    lambda: z.number().min(0).max(100).default(SPECS_DEFAULTS.lambda),
    /** SPECS θ: drafts with score s > θ are accepted. */
    theta: z.number().min(-100).max(100).default(SPECS_DEFAULTS.theta),
    /** SPECS τ: after a target step the draft resumes only if the step's PRM score > τ. */
    tau: z.number().min(0).max(1).default(SPECS_DEFAULTS.tau),
    /** SPECS T: accepted drafts are picked with probability softmax(s/T); 0 picks the best. */
    selectionTemperature: z.number().min(0).max(100).default(SPECS_DEFAULTS.selectionTemperature),
    /** Sampling temperature of steps (greedy strategies always use 0). */
    temperature: z.number().min(0).max(5).default(DEFAULT_TEMPERATURE),
    topP: z.number().gt(0).max(1).default(DEFAULT_TOP_P),
    maxSteps: z.number().int().min(1).max(64).default(DEFAULT_MAX_STEPS),
    maxTokensPerStep: z.number().int().min(1).max(200).default(DEFAULT_MAX_TOKENS_PER_STEP),
    /** Beam search: how a path's step scores become its score (search-and-learn's agg_strategy). */
    prmAggregation: z.enum(PRM_AGGREGATIONS).default('last'),
    /** Beam search: the answer among finished paths, the best path or weighted best-of-n. */
    answerSelection: z.enum(ANSWER_SELECTIONS).default('best'),
    /** Beam search: beam threshold ρ, paths below ρ × the best live path's score are dropped (0: none). */
    pruneRatio: z.number().min(0).lt(1).default(0),
    /** Beam search: β, a path scores its aggregated PRM score × P_model(path)^β (0: the PRM alone). */
    likelihoodWeight: z.number().min(0).max(10).default(0),
    /** SPECS: replace a sampled answer line by the best accepted one (not in the paper; off by default). */
    finalStepOverride: z.boolean().default(false),
  })
  .strict();

export type SolveOptionsInput = z.input<typeof solveOptionsSchema>;
export type SolveOptions = z.output<typeof solveOptionsSchema>;

/** Each strategy's tuned settings, applied where a request leaves them out. */
export const STRATEGY_DEFAULTS: Readonly<Record<Strategy, Readonly<Partial<SolveOptionsInput>>>> = Object.freeze({
  'beam-target': BEAM_DEFAULTS,
  'beam-draft': BEAM_DEFAULTS,
  specs: SPECS_DEFAULTS,
  'greedy-target': {},
  'greedy-draft': {},
});

/** Validates solve options; the error names the offending field and the allowed range. */
export function parseSolveOptions(input: unknown): SolveOptions {
  const strategy = (input as { strategy?: unknown } | null)?.strategy;
  const defaults = typeof strategy === 'string' && (STRATEGIES as readonly string[]).includes(strategy) ? STRATEGY_DEFAULTS[strategy as Strategy] : {};
  const parsed = solveOptionsSchema.safeParse(input !== null && typeof input === 'object' ? { ...defaults, ...input } : input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || undefined;
  throw new DecodingOptionsError(`${field ? `option "${field}": ` : ''}${issue.message}`, field);
}
