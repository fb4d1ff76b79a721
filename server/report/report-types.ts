import type { Comparison, SrmSummary, VariantKpis } from '../analysis/kpi-service';
import type { GateCheck, GateReason, Verdict } from '../rollout/gate-decision';

/** Everything a business-review report is rendered from; plain data, so rendering stays pure. */
export interface ReportData {
  generatedAt: string;
  experiment: { key: string; name: string; status: string; specsShare: number };
  /** The results contract of the KPI service (only the parts the report reads). */
  results: {
    stage: number | 'all';
    variants: { baseline: VariantKpis; specs: VariantKpis };
    comparisons: Comparison[];
    srm: Pick<SrmSummary, 'pValue' | 'flagged' | 'observed' | 'expectedShare'>;
    latencyHistogram: { bounds: (number | null)[]; lowerBounds?: number[]; baseline: number[]; specs: number[] };
  };
  rollout: ReportRollout | null;
  /** The gate's verdict on the current stage now (RolloutService.assess: the evaluator's function). */
  gate: ReportGate;
}

export interface ReportGate {
  verdict: Verdict;
  summary: string;
  reasons: GateReason[];
  checks: GateCheck[];
  planStage: number;
  analysisStage: number;
  share: number;
}

export interface ReportReason { code: string; message: string }

export interface ReportDecision {
  at: string;
  stage: number;
  verdict: string;
  actor: string;
  reasons: ReportReason[];
}

export interface ReportRollout {
  status: string;
  currentStage: number;
  stageStartedAt: string | null;
  stages: { share: number; minDurationMs?: number; minGradedPerArm?: number; requiresApproval?: boolean }[];
  guardrails: Record<string, number>;
  /** Oldest first. */
  decisions: ReportDecision[];
  /** Oldest first. */
  shareHistory: { at: string; share: number; stage: number; reason: string }[];
}

