import type { ArmData, VariantKpis } from '../analysis/kpi-metrics';
import type { StageData } from '../analysis/kpi-service';

import { UNIT_BUCKETS, type UnitSums } from '../analysis/rollup-sums';
import { designEffect, type BucketRatio } from '../analysis/stats';
import type { ArmSummary, DesignEffects, GateInput, StageFacts } from './gate-decision';
import type { RolloutPlanInput } from './rollout-plan';

/** A rollup arm in the shape the pure gate reads (the outcome model's definitions, outcome.ts). */
export function armSummary(arm: ArmData): ArmSummary {
  const s = arm.sums;
  return {
    n: s.n,
    failures: s.errors + s.timeouts,
    graded: s.graded,
    correct: s.correct,
    latency: { n: s.latencyN, sum: s.latencySum, sumSquares: s.latencySumSq, histogram: arm.histogram },
    cost: { n: s.n, sum: s.costSum, sumSquares: s.costSumSq },
  };
}

/** All UNIT_BUCKETS buckets of one arm (empty ones are observations too). */
function dense(buckets: readonly (UnitSums & { unitBucket: number })[]): UnitSums[] {
  const out: UnitSums[] = Array.from({ length: UNIT_BUCKETS }, () => ({ n: 0, errors: 0, timeouts: 0, graded: 0, correct: 0, latencyN: 0, latencySum: 0, costSum: 0 }));
  for (const b of buckets) if (b.unitBucket >= 0 && b.unitBucket < UNIT_BUCKETS) out[b.unitBucket] = b;
  return out;
}

/** Design effect per metric of one arm: 1 unless its requests show that units repeat. */
function armDesignEffects(arm: ArmData, buckets: readonly (UnitSums & { unitBucket: number })[]): Required<DesignEffects> {
  const b = dense(buckets);
  const s = arm.sums;
  const counts = b.map((x) => x.n);
  const ratio = (n: (x: UnitSums) => number, y: (x: UnitSums) => number): BucketRatio[] => b.map((x) => ({ n: n(x), y: y(x) }));
  const p = (k: number, n: number) => (n > 0 ? ((k / n) * (1 - k / n)) / n : 0);
  const meanVar = (n: number, sum: number, sumSq: number) => (n > 1 ? Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)) / n : 0);
  return {
    accuracy: designEffect(ratio((x) => x.graded, (x) => x.correct), counts, p(s.correct, s.graded)),
    errorRate: designEffect(ratio((x) => x.n, (x) => x.errors + x.timeouts), counts, p(s.errors + s.timeouts, s.n)),
    latency: designEffect(ratio((x) => x.latencyN, (x) => x.latencySum), counts, meanVar(s.latencyN, s.latencySum, s.latencySumSq)),
    cost: designEffect(ratio((x) => x.n, (x) => x.costSum), counts, meanVar(s.n, s.costSum, s.costSumSq)),
  };
}

/** The larger arm's design effect per metric (the difference's variance is the arms' sum). */
export function designEffects(data: Pick<StageData, 'arms' | 'units'>): DesignEffects {
  const c = armDesignEffects(data.arms.baseline, data.units.baseline);
  const t = armDesignEffects(data.arms.specs, data.units.specs);
  return { accuracy: Math.max(c.accuracy, t.accuracy), errorRate: Math.max(c.errorRate, t.errorRate), latency: Math.max(c.latency, t.latency), cost: Math.max(c.cost, t.cost) };
}

/** The one way a stage's data and its plan become the gate's input (evaluator, console, report). */
export function gateInput(data: Pick<StageData, 'arms' | 'units' | 'expectedShare'>, plan: RolloutPlanInput, stageIndex: number, facts: StageFacts): GateInput {
  const stage = plan.stages[stageIndex];
  if (!stage) throw new RangeError(`plan has no stage ${stageIndex}`);
  return {
    stage,
    facts,
    arms: { control: armSummary(data.arms.baseline), treatment: armSummary(data.arms.specs) },
    weights: { control: 1 - data.expectedShare, treatment: data.expectedShare },
    guardrails: plan.guardrails,
    success: plan.success,
    designEffects: designEffects(data),
  };
}

/** A compact snapshot for rollout_decision.metrics: per-arm KPIs, not raw histograms. */
export function metricsSnapshot(data: StageData, extra: Record<string, unknown>): Record<string, unknown> {
  const slim = (k: VariantKpis) => ({
    n: k.n,
    errors: k.errors,
    timeouts: k.timeouts,
    graded: k.graded,
    correct: k.correct,
    accuracy: k.accuracy,
    accuracyCi: k.accuracyCi,
    errorRate: k.errorRate,
    latency: k.latency,
    costPerRequest: k.costPerRequest,
    costPerCorrect: k.costPerCorrect,
    draftAcceptance: k.draftAcceptance,
  });
  return { analysisStage: data.stage, expectedShare: data.expectedShare, baseline: slim(data.kpis.baseline), specs: slim(data.kpis.specs), ...extra };
}

