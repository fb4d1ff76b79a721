import type { VariantKey } from '../vocabulary';
/**
 * Plan preview, the pure part: what a rollout plan will do at the traffic an experiment
 * actually gets. Three simulated cases through the service's own gate (rollout-simulator.ts):
 *   as observed  SPECS as measured          → hours to ship
 *   A/A          SPECS exactly the baseline → chance of a false rollback
 *   regression   SPECS 3 pts less accurate  → chance of shipping it anyway
 * Horizon and evaluation step are sized so the three cases stay within a couple of seconds
 * (plan-preview-runner.ts); the response says which step was used, because fewer looks than
 * the live gate make fewer false alarms.
 */
import { z } from 'zod';
import { wilsonInterval } from '../analysis/kpi-metrics';
import type { ResultsJson, StageData } from '../analysis/kpi-service';
import { GRANULARITY_MS } from '../analysis/kpi-cell-cache';
import { rolloutPlanSchema, type RolloutPlanInput } from './rollout-plan';
import type { Scenario, SimulationSummary } from './rollout-simulator';

export const REGRESSION_PTS = 3;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Gate evaluations per simulated rollout at most: bounds the cost of a preview. */
export const MAX_STEPS_PER_RUN = 150;
// At the simulator's coarsest step (60 min), MAX_STEPS_PER_RUN steps are as many hours.
const MAX_HORIZON_HOURS = MAX_STEPS_PER_RUN;

export const previewBodySchema = z
  .object({
    /** The plan to preview; omitted: the saved plan, or the default one. */
    plan: rolloutPlanSchema.optional(),
    /** Expected requests per minute; omitted: the observed rate. */
    ratePerMinute: z.number().positive('must be > 0').max(100_000, 'must be at most 100000').optional(),
    runs: z.number().int().min(10, 'must be at least 10').max(200, 'must be at most 200').default(40),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  })
  .strict();
export type PreviewBody = z.output<typeof previewBodySchema>;

/** One arm as measured over the experiment's traffic (null where nothing was measured). */
export interface ArmObservation {
  n: number;
  graded: number;
  accuracy: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  costMean: number | null;
  costCv: number | null;
  errorRate: number | null;
}

export interface ObservedTraffic {
  /** Requests per minute over the observed window; null without traffic. */
  ratePerMinute: number | null;
  windowMinutes: number;
  gradedShare: number | null;
  baseline: ArmObservation;
  specs: ArmObservation;
}

type ArmProfile = Scenario['control'];

const costCv = (sums: { n: number; costSum: number; costSumSq: number } | undefined): number | null => {
  if (!sums || sums.n < 2 || !(sums.costSum > 0)) return null;
  const mean = sums.costSum / sums.n;
  const variance = Math.max(0, (sums.costSumSq - sums.costSum * mean) / (sums.n - 1));
  return Math.sqrt(variance) / mean;
};

/**
 * The traffic as measured: arm profiles and rate over every analysis stage (a variant's
 * accuracy, latency and cost do not depend on its share), the rate over the span that
 * had requests, cost variation from the current stage's sums (the results carry no variances).
 */
export function observeTraffic(results: Pick<ResultsJson, 'variants' | 'timeseries' | 'granularity'>, current: Pick<StageData, 'arms'> | null): ObservedTraffic {
  const times = results.timeseries.filter((p) => p.n > 0).map((p) => Date.parse(p.bucket));
  const total = results.variants.baseline.n + results.variants.specs.n;
  const windowMs = times.length > 0 ? Math.max(...times) - Math.min(...times) + GRANULARITY_MS[results.granularity] : 0;
  const graded = results.variants.baseline.graded + results.variants.specs.graded;
  const arm = (v: VariantKey): ArmObservation => {
    const k = results.variants[v];
    return {
      n: k.n,
      graded: k.graded,
      accuracy: k.accuracy,
      p50Ms: k.latency.p50,
      p95Ms: k.latency.p95,
      costMean: k.costPerRequest,
      costCv: costCv(current?.arms[v].sums),
      errorRate: k.errorRate,
    };
  };
  return {
    ratePerMinute: total > 0 && windowMs > 0 ? total / (windowMs / MINUTE) : null,
    windowMinutes: windowMs / MINUTE,
    gradedShare: total > 0 ? graded / total : null,
    baseline: arm('baseline'),
    specs: arm('specs'),
  };
}

/** Used where an arm has too little data; listed in the answer's assumptions. */
const FALLBACK = { accuracy: 0.5, p50Ms: 100, p95Ms: 300, costMean: 1e-4, costCv: 1, errorRate: 0 } as const;
const MIN_FOR_PROFILE = 20;

function armProfile(o: ArmObservation, who: string, assumptions: string[]): ArmProfile {
  const thin = o.n < MIN_FOR_PROFILE;
  if (thin) {
    const f = FALLBACK;
    assumptions.push(`${who}: only ${o.n} requests, so assumed: accuracy ${f.accuracy}, latency p50 ${f.p50Ms} ms and p95 ${f.p95Ms} ms, cost $${f.costMean} per request (cv ${f.costCv}), no errors`);
  }
  const pick = <K extends keyof typeof FALLBACK>(k: K, v: number | null, what: string, why = 'not measured'): number => {
    if (!thin && v !== null && Number.isFinite(v)) return v;
    if (!thin) assumptions.push(`${who} ${what} assumed ${FALLBACK[k]} (${why})`);
    return FALLBACK[k];
  };
  const accuracy = pick('accuracy', o.graded >= MIN_FOR_PROFILE ? o.accuracy : null, 'accuracy', o.accuracy === null ? 'not measured' : `only ${o.graded} graded`);
  const p50 = pick('p50Ms', o.p50Ms !== null && o.p50Ms > 0 ? o.p50Ms : null, 'p50 latency (ms)');
  // Histogram quantiles of a narrow distribution can coincide; the log-normal needs p95 > p50.
  const p95 = Math.max(pick('p95Ms', o.p95Ms, 'p95 latency (ms)'), p50 * 1.05);
  return {
    accuracy: Math.min(1, Math.max(0, accuracy)),
    latencyMs: { p50, p95 },
    costUsd: { mean: Math.max(1e-12, pick('costMean', o.costMean !== null && o.costMean > 0 ? o.costMean : null, 'cost per request ($)')), cv: Math.min(10, Math.max(0, pick('costCv', o.costCv, 'cost variation'))) },
    errorRate: Math.min(1, Math.max(0, thin || o.errorRate === null ? 0 : o.errorRate)),
    errorLatencyMs: 5,
    errorCostShare: 0.5,
  };
}

/** Time the plan needs at the least: each gated stage's minimum duration or the time to its graded minimum. */
export function plannedMinimumMs(plan: RolloutPlanInput, ratePerMinute: number, gradedShare: number): number {
  return plan.stages.slice(0, -1).reduce((sum, s) => {
    const smaller = Math.min(s.share, 1 - s.share);
    const gradedPerMs = (ratePerMinute * gradedShare * smaller) / MINUTE;
    const forSamples = s.minGradedPerArm === 0 ? 0 : gradedPerMs > 0 ? s.minGradedPerArm / gradedPerMs : Infinity;
    return sum + Math.max(s.minDurationMs, forSamples);
  }, 0);
}

export interface PreviewScenarios {
  asObserved: Scenario;
  aa: Scenario;
  regression: Scenario;
  horizonHours: number;
  evalIntervalMinutes: number;
  ratePerMinute: number;
  rateSource: 'observed' | 'given';
  assumptions: string[];
}

/**
 * The three scenarios for a plan, or why none can be built. The horizon is three times the
 * plan's minimum time (at least 6 h), at most MAX_HORIZON_HOURS; the step is the live gate's
 * interval unless that would exceed MAX_STEPS_PER_RUN evaluations.
 */
export function previewScenarios(
  observed: ObservedTraffic,
  plan: RolloutPlanInput,
  options: { ratePerMinute?: number; gateIntervalMs: number },
): PreviewScenarios | { insufficient: true; reason: string } {
  const rate = options.ratePerMinute ?? observed.ratePerMinute;
  if (rate === null || !(rate > 0)) {
    return { insufficient: true, reason: 'no traffic observed yet: give the expected requests per minute (ratePerMinute)' };
  }
  const assumptions: string[] = [];
  let gradedShare = observed.gradedShare;
  if (gradedShare === null || !(gradedShare > 0)) {
    gradedShare = 0.5;
    assumptions.push('graded share assumed 0.5 (no graded answers observed)');
  }
  const control = armProfile(observed.baseline, 'baseline', assumptions);
  const specsThin = observed.specs.n < MIN_FOR_PROFILE;
  const treatment = specsThin ? control : armProfile(observed.specs, 'SPECS', assumptions);
  if (specsThin) assumptions.push(`SPECS assumed equal to the baseline for "as observed" (only ${observed.specs.n} SPECS requests)`);
  const minimumMs = plannedMinimumMs(plan, rate, gradedShare);
  const horizonHours = Math.min(MAX_HORIZON_HOURS, Math.max(6, (3 * minimumMs) / HOUR));
  const gateMinutes = Math.max(1, Math.round(options.gateIntervalMs / MINUTE));
  const evalIntervalMinutes = Math.min(60, Math.max(gateMinutes, Math.ceil((horizonHours * 60) / MAX_STEPS_PER_RUN)));
  const base = { ratePerMinute: rate, gradedShare, horizonHours, evalIntervalMinutes, plan, control };
  const regressed = { ...control, accuracy: Math.max(0, control.accuracy - REGRESSION_PTS / 100) };
  if (control.accuracy < REGRESSION_PTS / 100) assumptions.push(`baseline accuracy is below ${REGRESSION_PTS} pts: the regression case is SPECS at 0 %`);
  return {
    asObserved: { ...base, name: 'as observed', treatment },
    aa: { ...base, name: 'A/A', treatment: control },
    regression: { ...base, name: `accuracy −${REGRESSION_PTS} pts`, treatment: regressed },
    horizonHours,
    evalIntervalMinutes,
    ratePerMinute: rate,
    rateSource: options.ratePerMinute === undefined ? 'observed' : 'given',
    assumptions,
  };
}

export interface Chance {
  probability: number;
  count: number;
  runs: number;
  /** Wilson 95 % interval: a few dozen runs only bound the chance. */
  ci: [number, number];
}

const chance = (share: number, runs: number): Chance => {
  const count = Math.round(share * runs);
  return { probability: runs > 0 ? count / runs : 0, count, runs, ci: wilsonInterval(count, runs) ?? [0, 1] };
};

export interface PlanPreview {
  experiment: string;
  plan: RolloutPlanInput;
  traffic: { ratePerMinute: number; source: 'observed' | 'given'; windowMinutes: number; gradedShare: number };
  /** `runs` per case; fewer than `requestedRuns` when the time budget ran out first. */
  simulation: { runs: number; requestedRuns: number; seed: number; horizonHours: number; evalIntervalMinutes: number; gateIntervalMinutes: number };
  assumptions: string[];
  hoursToShip: { p50: number | null; p90: number | null; shipped: Chance; rolledBack: Chance; stuck: Chance };
  falseRollback: Chance;
  regressionShipped: Chance & { regressionPts: number };
  scenarios: { asObserved: SimulationSummary; aa: SimulationSummary; regression: SimulationSummary };
}

export function previewResult(
  experiment: string,
  s: PreviewScenarios,
  summaries: PlanPreview['scenarios'],
  meta: { seed: number; requestedRuns: number; gateIntervalMs: number; windowMinutes: number },
): PlanPreview {
  const o = summaries.asObserved;
  return {
    experiment,
    plan: s.asObserved.plan!,
    traffic: { ratePerMinute: s.ratePerMinute, source: s.rateSource, windowMinutes: meta.windowMinutes, gradedShare: s.asObserved.gradedShare },
    simulation: { runs: o.runs, requestedRuns: meta.requestedRuns, seed: meta.seed, horizonHours: s.horizonHours, evalIntervalMinutes: s.evalIntervalMinutes, gateIntervalMinutes: meta.gateIntervalMs / MINUTE },
    assumptions: s.assumptions,
    hoursToShip: { p50: o.hoursToShip.p50, p90: o.hoursToShip.p90, shipped: chance(o.shipped, o.runs), rolledBack: chance(o.rolledBack, o.runs), stuck: chance(o.stuck, o.runs) },
    falseRollback: chance(summaries.aa.rolledBack, summaries.aa.runs),
    regressionShipped: { ...chance(summaries.regression.shipped, summaries.regression.runs), regressionPts: REGRESSION_PTS },
    scenarios: summaries,
  };
}
