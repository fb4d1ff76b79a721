/**
 * Rollout simulator: the plan's operating characteristics, measured rather than assumed.
 *
 * Each run drives the service's own gate (gateInput → decideGate, the functions the
 * evaluator job calls) over simulated traffic: Poisson arrivals per evaluation interval,
 * split by the stage's share, each request ok or failed, graded with probability
 * `gradedShare`, correct with the arm's accuracy, log-normal latency and cost. Every
 * stage starts with fresh data, as the service's analysis stages do; a run ends when the
 * plan ships, rolls back, or reaches the horizon (stuck). Requests are summed into the
 * same rollup sums the writer keeps, by the outcome model's rules (outcome.ts): failures
 * are out of the latency distribution, cost what they spent, and are wrong when graded.
 *
 * Pure and seeded: the CLI (`npm run sim:rollout`), the console's plan preview and the
 * tests all call `simulateRollout`.
 */
import { z } from 'zod';
import { emptySums, type ArmData } from '../analysis/kpi-metrics';
import { LATENCY_BUCKET_BOUNDS, LATENCY_BUCKET_COUNT, latencyBucketIndex, LATENCY_BUCKET_LOWER_BOUNDS } from '../analysis/latency-buckets';
import { normalCdf, type Rng } from '../analysis/stats';
import { binomial, logNormalFromMean, logNormalFromQuantiles, logNormalSums, multinomial, poisson } from '../analysis/stats/samplers';
import { decideGate } from './gate-decision';
import { gateInput } from './gate-inputs';
import { rolloutPlanSchema, type RolloutPlanInput } from './rollout-plan';

const positive = z.number().positive();
const armSchema = z
  .object({
    accuracy: z.number().min(0).max(1),
    latencyMs: z.object({ p50: positive, p95: positive }).refine((l) => l.p95 > l.p50, { message: 'p95 must exceed p50', path: ['p95'] }),
    costUsd: z.object({ mean: positive, cv: z.number().min(0).max(10) }),
    errorRate: z.number().min(0).max(1).default(0),
    errorLatencyMs: positive.default(5),
    /** Share of a request's mean cost a failed request spends (the tokens used before it failed). */
    errorCostShare: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1).max(100),
    ratePerMinute: positive.max(1_000_000),
    gradedShare: z.number().gt(0).max(1),
    horizonHours: positive.max(24 * 90),
    plan: rolloutPlanSchema.nullable().default(null),
    evalIntervalMinutes: positive.max(60).default(1),
    control: armSchema,
    treatment: armSchema,
  })
  .strict();

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
type ArmProfile = Scenario['control'];

export type RunOutcome = 'shipped' | 'rolledBack' | 'stuck';

export interface RunResult {
  outcome: RunOutcome;
  hours: number;
  /** Plan stage where the run ended. */
  stage: number;
  /** Guardrails named by the rollback, if any. */
  reasons: string[];
}

export interface SimulationSummary {
  scenario: string;
  runs: number;
  seed: number;
  ratePerMinute: number;
  shipped: number;
  rolledBack: number;
  stuck: number;
  byStage: { share: number; advanced: number; rolledBack: number; held: number }[];
  hoursToShip: { p50: number | null; p90: number | null };
  hoursToRollback: { p50: number | null; p90: number | null };
  rollbackReasons: Record<string, number>;
}

const MINUTE = 60_000;

/** Probability of each latency bucket under a log-normal (the writer's buckets, latency-buckets.ts). */
function bucketProbabilities(p50: number, p95: number): number[] {
  const { mu, sigma } = logNormalFromQuantiles(p50, p95);
  const cdf = (x: number) => (x <= 0 ? 0 : Number.isFinite(x) ? normalCdf((Math.log(x) - mu) / sigma) : 1);
  return Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => cdf(LATENCY_BUCKET_BOUNDS[i]!) - cdf(LATENCY_BUCKET_LOWER_BOUNDS[i]!));
}

interface ArmModel {
  profile: ArmProfile;
  latencyProbs: number[];
  latency: { mu: number; sigma: number };
  cost: { mu: number; sigma: number };
  errorCost: { mu: number; sigma: number };
}

function armModel(profile: ArmProfile): ArmModel {
  return {
    profile,
    latencyProbs: bucketProbabilities(profile.latencyMs.p50, profile.latencyMs.p95),
    latency: logNormalFromQuantiles(profile.latencyMs.p50, profile.latencyMs.p95),
    cost: logNormalFromMean(profile.costUsd.mean, profile.costUsd.cv),
    errorCost: logNormalFromMean(Math.max(1e-12, profile.costUsd.mean * profile.errorCostShare), profile.costUsd.cv),
  };
}

const emptyArm = (variant: string): ArmData => ({
  sums: emptySums(variant),
  histogram: { bounds: [0, ...LATENCY_BUCKET_BOUNDS], counts: new Array<number>(LATENCY_BUCKET_COUNT).fill(0) },
});

/** Adds `n` requests of one arm for one interval, by the outcome model's rules. */
function addTraffic(rng: Rng, arm: ArmData, model: ArmModel, n: number, gradedShare: number): void {
  if (n <= 0) return;
  const s = arm.sums;
  const p = model.profile;
  const failed = binomial(rng, n, p.errorRate);
  const ok = n - failed;
  const gradedOk = binomial(rng, ok, gradedShare);
  const gradedFailed = binomial(rng, failed, gradedShare);
  const correct = binomial(rng, gradedOk, p.accuracy);
  s.n += n;
  s.errors += failed;
  s.graded += gradedOk + gradedFailed;
  s.correct += correct;
  // Latency: ok requests only (errors are out of the distribution).
  const lat = logNormalSums(rng, ok, model.latency);
  s.latencyN += ok;
  s.latencySum += lat.sum;
  s.latencySumSq += lat.sumSquares;
  if (lat.values) for (const v of lat.values) arm.histogram.counts[latencyBucketIndex(v)]! += 1;
  else multinomial(rng, ok, model.latencyProbs, arm.histogram.counts);
  // Cost: every request, failures at what they spent.
  const okCost = logNormalSums(rng, ok, model.cost);
  const failCost = logNormalSums(rng, failed, model.errorCost);
  s.costSum += okCost.sum + failCost.sum;
  s.costSumSq += okCost.sumSquares + failCost.sumSquares;
  // Cost of graded requests is not read by the gate; accuracy-weighted cost stays in the service's KPIs.
}

function simulateRun(rng: Rng, scenario: Scenario, plan: RolloutPlanInput, models: { control: ArmModel; treatment: ArmModel }): RunResult {
  const interval = scenario.evalIntervalMinutes * MINUTE;
  const horizon = scenario.horizonHours * 60 * MINUTE;
  const last = plan.stages.length - 1;
  let stage = 0;
  let stageStart = 0;
  let arms = { baseline: emptyArm('baseline'), specs: emptyArm('specs') };
  for (let t = interval; t <= horizon; t += interval) {
    const share = plan.stages[stage]!.share;
    const arrivals = poisson(rng, (scenario.ratePerMinute * interval) / MINUTE);
    const toSpecs = binomial(rng, arrivals, share);
    addTraffic(rng, arms.baseline, models.control, arrivals - toSpecs, scenario.gradedShare);
    addTraffic(rng, arms.specs, models.treatment, toSpecs, scenario.gradedShare);
    const decision = decideGate(
      gateInput({ arms, units: { baseline: [], specs: [] }, expectedShare: share }, plan, stage, { startedAt: stageStart, now: t, approved: true }),
    );
    if (decision.verdict === 'rollback') {
      return { outcome: 'rolledBack', hours: t / 3_600_000, stage, reasons: decision.reasons.map((r) => r.metric ?? r.code) };
    }
    if (decision.verdict === 'advance') {
      stage += 1;
      if (stage >= last) return { outcome: 'shipped', hours: t / 3_600_000, stage, reasons: [] };
      stageStart = t;
      arms = { baseline: emptyArm('baseline'), specs: emptyArm('specs') };
    }
  }
  return { outcome: 'stuck', hours: scenario.horizonHours, stage, reasons: [] };
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(scenario: Scenario, plan: RolloutPlanInput, runs: RunResult[], seed: number): SimulationSummary {
  const n = runs.length;
  const frac = (k: number) => (n > 0 ? k / n : 0);
  const count = (o: RunOutcome) => runs.filter((r) => r.outcome === o).length;
  const hours = (o: RunOutcome) => runs.filter((r) => r.outcome === o).map((r) => r.hours).sort((a, b) => a - b);
  const reasons: Record<string, number> = {};
  for (const r of runs) for (const m of new Set(r.reasons)) reasons[m] = (reasons[m] ?? 0) + 1;
  const ship = hours('shipped');
  const back = hours('rolledBack');
  return {
    scenario: scenario.name,
    runs: n,
    seed,
    ratePerMinute: scenario.ratePerMinute,
    shipped: frac(count('shipped')),
    rolledBack: frac(count('rolledBack')),
    stuck: frac(count('stuck')),
    byStage: plan.stages.slice(0, -1).map((s, i) => ({
      share: s.share,
      advanced: frac(runs.filter((r) => r.stage > i).length),
      rolledBack: frac(runs.filter((r) => r.outcome === 'rolledBack' && r.stage === i).length),
      held: frac(runs.filter((r) => r.outcome === 'stuck' && r.stage === i).length),
    })),
    hoursToShip: { p50: quantile(ship, 0.5), p90: quantile(ship, 0.9) },
    hoursToRollback: { p50: quantile(back, 0.5), p90: quantile(back, 0.9) },
    rollbackReasons: Object.fromEntries(Object.entries(reasons).map(([k, v]) => [k, frac(v)])),
  };
}

export interface SimulateOptions {
  runs: number;
  rng: Rng;
  seed: number;
  /** The service's default plan (rollout-plan.ts) when the scenario has none. */
  defaultPlan: () => RolloutPlanInput;
  onProgress?: (done: number, total: number) => void;
}

export function simulateRollout(scenario: Scenario, options: SimulateOptions): { summary: SimulationSummary; runs: RunResult[] } {
  const plan = scenario.plan ?? options.defaultPlan();
  const models = { control: armModel(scenario.control), treatment: armModel(scenario.treatment) };
  const runs: RunResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    runs.push(simulateRun(options.rng, scenario, plan, models));
    options.onProgress?.(i + 1, options.runs);
  }
  return { summary: summarize(scenario, plan, runs, options.seed), runs };
}
