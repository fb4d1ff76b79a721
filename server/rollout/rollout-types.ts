import type { StageData } from '../analysis/kpi-service';
import type { Actor } from '../experiments';
import type { GateCheck, GateDecision, GateReason, Verdict } from './gate-decision';
import type { PlanPreviewer } from './plan-preview-runner';
import type { AssessmentJson } from './rollout-assessment';
import type { RolloutPlanInput, RolloutStatus } from './rollout-plan';
import type { DecisionRecord } from './rollout-repository';

export type { Verdict };

/** What the rollout service answers: the shapes the HTTP layer, the console and the CLIs read. */


/** A DecisionRecord as the API returns it (ISO timestamp). */
export interface DecisionJson extends Omit<DecisionRecord, 'at'> {
  at: string;
}

export interface RolloutView {
  experiment: string;
  /** 'none' when the experiment has no plan yet (`defaultPlan` shows what PUT/start would use). */
  status: RolloutStatus | 'none';
  plan: RolloutPlanInput | null;
  defaultPlan: RolloutPlanInput;
  currentStage: number | null;
  stageCount: number | null;
  currentShare: number;
  /** The analysis stage (request_log.stage) the gate reads for the current plan stage. */
  analysisStage: number;
  experimentStatus: string;
  stageStartedAt: string | null;
  approvedStage: number | null;
  /** When the gate last looked at the plan (null: never). */
  lastEvaluatedAt: string | null;
  lastDecision: DecisionJson | null;
  decisions: DecisionJson[];
  shareHistory: { at: string; specsShare: number; stage: number; reason: string }[];
}

export interface EvaluationResult {
  experiment: string;
  verdict: Verdict;
  reasons: GateReason[];
  checks: GateCheck[];
  decision: DecisionJson;
  /** Plan stage after applying the verdict. */
  currentStage: number;
  status: RolloutStatus;
  share: number;
}

/** The gate's verdict on the current stage as of now, with the reasons and checks behind it. */
export interface Assessment extends GateDecision {
  experiment: string;
  status: RolloutStatus | 'none';
  /** Plan stage the verdict is for (0 when no rollout is active). */
  planStage: number;
  analysisStage: number;
  share: number;
  stageStartedAt: string;
  /** The verdict in one sentence (gate-explain.ts). */
  summary: string;
  data: StageData;
}

export interface RolloutService {
  get(key: string): Promise<RolloutView>;
  /** What the gate would decide now (the evaluator's function, without applying it). */
  assess(key: string): Promise<Assessment>;
  /** The assessment laid out per stage, guardrail and check, worded for the rollout's real state. */
  describe(key: string): Promise<AssessmentJson>;
  /** What a plan would do at the observed traffic (simulated; no side effects). */
  preview: PlanPreviewer['preview'];
  putPlan(key: string, body: RolloutPlanInput, actor: Actor): Promise<RolloutView>;
  start(key: string, actor: Actor): Promise<RolloutView>;
  advance(key: string, actor: Actor): Promise<RolloutView>;
  pause(key: string, actor: Actor): Promise<RolloutView>;
  resume(key: string, actor: Actor): Promise<RolloutView>;
  rollback(key: string, actor: Actor, reason?: string): Promise<RolloutView>;
  approve(key: string, actor: Actor): Promise<RolloutView>;
  /** Runs the gate on the current stage and applies its verdict. */
  evaluate(key: string, actor?: Actor): Promise<EvaluationResult>;
  /** Evaluates every running plan; one failure does not stop the others. */
  evaluateAll(actor?: Actor): Promise<{ evaluated: EvaluationResult[]; failed: { experiment: string; error: string }[] }>;
  /** Settles pending webhook deliveries and their status writes. */
  idle(): Promise<void>;
}
