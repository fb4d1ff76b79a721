import { shareText } from './gate-explain';
/**
 * The rollout as a person reads it: the gate's assessment of now (rollout-service.ts
 * `assess`) laid out per plan stage, per guardrail and per check, with a headline that says
 * what the rollout is doing in its real state (running, paused, shipped, rolled back). Pure:
 * the API serves it, the console draws it, tests table-drive it.
 */
import { GUARDRAIL_LABELS, type CheckStatus, type GateCheck, type GateReason, type Verdict } from './gate-decision';
import type { RolloutPlanInput, RolloutStatus } from './rollout-plan';

export { shareText };

/** "stage 2 of 5 (5 %)": 1-based, the one wording the console, the API and the log use. */
export const stageLabel = (index: number, count: number, share: number): string => `stage ${index + 1} of ${count} (${shareText(share)})`;

/** What the assessment is built from: the gate's verdict now and the rollout's state. */
export interface AssessmentInput {
  experiment: string;
  status: RolloutStatus | 'none';
  verdict: Verdict;
  reasons: GateReason[];
  checks: GateCheck[];
  summary: string;
  /** Plan stage the verdict is for (assess() uses 0 when no rollout is active). */
  planStage: number;
  analysisStage: number;
  share: number;
  stageStartedAt: string;
  /** The plan in force (the saved one, else the default). */
  plan: RolloutPlanInput;
  /** The rollout's own stage (null: no plan). */
  currentStage: number | null;
  now: number;
  /** The last rollback decision's reasons, for the headline after a rollback. */
  lastRollback?: { at: string; reasons: GateReason[] } | null;
}

export interface GuardrailRow {
  name: string;
  label: string;
  status: CheckStatus;
  /** 'pts': absolute difference of a proportion; '%': relative change. */
  unit: 'pts' | '%';
  /** Which way SPECS − baseline is bad. */
  worseWhen: 'lower' | 'higher';
  /** The limit on SPECS − baseline, as a fraction (−0.02: at most 2 pts less accurate). */
  threshold: number;
  /** SPECS − baseline with its interval, clipped to what the metric can be; null: insufficient data. */
  interval: { estimate: number | null; low: number; high: number; clipped: boolean; regime: string } | null;
  insufficient: string | null;
  message: string;
}

export type StageState = 'done' | 'current' | 'upcoming' | 'rolled-back';

export interface AssessmentJson {
  experiment: string;
  status: RolloutStatus | 'none';
  /** The gate acts on its verdict only while the rollout runs. */
  acting: boolean;
  verdict: Verdict;
  headline: string;
  summary: string;
  reasons: GateReason[];
  alpha: number;
  share: number;
  analysisStage: number;
  stage: {
    index: number;
    number: number;
    count: number;
    share: number;
    label: string;
    startedAt: string;
    elapsedMs: number;
    minDurationMs: number;
    remainingMs: number;
    minGradedPerArm: number;
    graded: { baseline: number; specs: number };
    remainingGraded: { baseline: number; specs: number };
    requiresApproval: boolean;
    approved: boolean;
  };
  stages: { number: number; share: number; minDurationMs: number; minGradedPerArm: number; requiresApproval: boolean; ship: boolean; state: StageState }[];
  guardrails: GuardrailRow[];
  success: { name: string; status: CheckStatus; message: string }[];
  srm: { status: CheckStatus; pValue: number | null; message: string };
  traffic: { baseline: number; specs: number };
  checks: GateCheck[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const GUARDRAIL_SHAPE: Record<string, { unit: 'pts' | '%'; worseWhen: 'lower' | 'higher' }> = {
  accuracy: { unit: 'pts', worseWhen: 'lower' },
  errorRate: { unit: 'pts', worseWhen: 'higher' },
  p95Latency: { unit: '%', worseWhen: 'higher' },
  cost: { unit: '%', worseWhen: 'higher' },
};

/**
 * A guardrail check in SPECS − baseline terms. The gate works on "degradation" (positive =
 * SPECS worse); accuracy flips sign. An interval end beyond what the metric can be (a
 * proportion's difference outside ±100 pts, a relative change below −100 %) is clipped: the
 * intersection with the possible range is still a valid interval, and an impossible number
 * is never shown.
 */
export function guardrailRow(check: GateCheck): GuardrailRow {
  const shape = GUARDRAIL_SHAPE[check.name] ?? { unit: '%', worseWhen: 'higher' };
  const v = check.values;
  const limit = num(v.limit) ?? 0;
  const sign = shape.worseWhen === 'lower' ? -1 : 1;
  const lower = num(v.lower);
  const upper = num(v.upper);
  let interval: GuardrailRow['interval'] = null;
  if (lower !== null && upper !== null) {
    const a = sign * lower;
    const b = sign * upper;
    const [lo, hi] = [Math.min(a, b), Math.max(a, b)];
    const [min, max] = shape.unit === 'pts' ? [-1, 1] : [-1, Infinity];
    const low = Math.max(min, lo);
    const high = Math.min(max, hi);
    const effect = num(v.effect);
    interval = { estimate: effect === null ? null : sign * effect, low, high, clipped: low !== lo || high !== hi, regime: String(v.regime ?? '') };
  }
  // The message without its label and without a leading "insufficient data:" (the console says that itself).
  const insufficient = interval === null ? check.message.replace(/^[^:]*:\s*/, '').replace(/^insufficient data:\s*/i, '') : null;
  return {
    name: check.name,
    label: GUARDRAIL_LABELS[check.name] ?? check.name,
    status: check.status,
    unit: shape.unit,
    worseWhen: shape.worseWhen,
    threshold: sign * limit,
    interval,
    insufficient,
    message: check.message,
  };
}

function headline(a: AssessmentInput, label: string): string {
  const first = a.plan.stages[0]!;
  const start = stageLabel(0, a.plan.stages.length, first.share);
  const now = `SPECS gets ${shareText(a.share)}`;
  switch (a.status) {
    case 'none':
      return `No rollout yet: ${now} outside any plan. Start would begin ${start}.`;
    case 'pending':
      return `Not started: ${now}. Start begins ${start}.`;
    case 'paused':
      return `Paused at ${label}: the gate does not act until resumed. It would say: ${a.summary}`;
    case 'completed':
      return `Shipped: the plan reached its last stage; ${now}.`;
    case 'rolled_back': {
      const why = (a.lastRollback?.reasons ?? []).map((r) => (r.metric ? `${GUARDRAIL_LABELS[r.metric] ?? r.metric}: ${r.message.replace(/^[^:]*:\s*/, '')}` : r.message)).join('; ');
      return `Rolled back${a.currentStage !== null ? ` at ${stageLabel(a.currentStage, a.plan.stages.length, a.plan.stages[a.currentStage]?.share ?? 0)}` : ''}: ${now}${why ? ` (${why})` : ''}.`;
    }
    default:
      return a.summary;
  }
}

function stageStates(a: AssessmentInput): StageState[] {
  const cur = a.currentStage;
  return a.plan.stages.map((_, i) => {
    if (cur === null || a.status === 'none' || a.status === 'pending') return 'upcoming';
    if (i < cur) return 'done';
    if (i > cur) return 'upcoming';
    if (a.status === 'rolled_back') return 'rolled-back';
    return a.status === 'completed' ? 'done' : 'current';
  });
}

export function describeAssessment(a: AssessmentInput): AssessmentJson {
  const idx = a.planStage;
  const stage = a.plan.stages[idx]!;
  const count = a.plan.stages.length;
  const label = stageLabel(idx, count, stage.share);
  const check = (name: string) => a.checks.find((c) => c.name === name);
  const duration = check('duration')?.values ?? {};
  const samples = check('samples')?.values ?? {};
  const elapsedMs = num(duration.durationMs) ?? Math.max(0, a.now - Date.parse(a.stageStartedAt));
  const graded = { baseline: num(samples.controlGraded) ?? 0, specs: num(samples.treatmentGraded) ?? 0 };
  const approval = check('approval')?.values ?? {};
  const srm = check('srm');
  const traffic = check('traffic')?.values ?? {};
  const states = stageStates(a);
  return {
    experiment: a.experiment,
    status: a.status,
    acting: a.status === 'running',
    verdict: a.verdict,
    headline: headline(a, label),
    summary: a.summary,
    reasons: a.reasons,
    alpha: a.plan.guardrails.alpha,
    share: a.share,
    analysisStage: a.analysisStage,
    stage: {
      index: idx,
      number: idx + 1,
      count,
      share: stage.share,
      label,
      startedAt: a.stageStartedAt,
      elapsedMs,
      minDurationMs: stage.minDurationMs,
      remainingMs: Math.max(0, stage.minDurationMs - elapsedMs),
      minGradedPerArm: stage.minGradedPerArm,
      graded,
      remainingGraded: { baseline: Math.max(0, stage.minGradedPerArm - graded.baseline), specs: Math.max(0, stage.minGradedPerArm - graded.specs) },
      requiresApproval: stage.requiresApproval,
      approved: approval.approved === true,
    },
    stages: a.plan.stages.map((s, i) => ({
      number: i + 1,
      share: s.share,
      minDurationMs: s.minDurationMs,
      minGradedPerArm: s.minGradedPerArm,
      requiresApproval: s.requiresApproval,
      ship: i === count - 1,
      state: states[i]!,
    })),
    guardrails: a.checks.filter((c) => c.kind === 'guardrail').map(guardrailRow),
    success: a.checks.filter((c) => c.kind === 'success').map((c) => ({ name: c.name.replace(/^success:/, ''), status: c.status, message: c.message })),
    srm: { status: srm?.status ?? 'pending', pValue: num(srm?.values.pValue), message: srm?.message ?? 'not computed' },
    traffic: { baseline: num(traffic.control) ?? 0, specs: num(traffic.treatment) ?? 0 },
    checks: a.checks,
  };
}
