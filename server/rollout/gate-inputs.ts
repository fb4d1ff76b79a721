import type { ArmData, VariantKpis } from '../analysis/kpi-metrics';
import type { StageData } from '../analysis/kpi-service';
import type { ArmSummary } from './gate-decision';

/** KPI arm data in the shape the pure gate decision reads. */
export function armSummary(arm: ArmData): ArmSummary {
  const s = arm.sums;
  return {
    n: s.n,
    graded: s.graded,
    correct: s.correct,
    latency: { n: s.n, sum: s.latencySum, sumSquares: s.latencySumSq, histogram: arm.histogram },
    cost: { n: s.n, sum: s.costSum, sumSquares: s.costSumSq },
  };
}

/** A compact snapshot for rollout_decision.metrics: per-arm KPIs, not raw histograms. */
export function metricsSnapshot(data: StageData, extra: Record<string, unknown>): Record<string, unknown> {
  const slim = (k: VariantKpis) => ({
    n: k.n,
    errors: k.errors,
    graded: k.graded,
    correct: k.correct,
    accuracy: k.accuracy,
    accuracyCi: k.accuracyCi,
    latency: k.latency,
    costPerRequest: k.costPerRequest,
    costPerCorrect: k.costPerCorrect,
    draftAcceptance: k.draftAcceptance,
  });
  return { analysisStage: data.stage, expectedShare: data.expectedShare, baseline: slim(data.kpis.baseline), specs: slim(data.kpis.specs), ...extra };
}
