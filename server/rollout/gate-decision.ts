/**
 * Pure gate decision for one rollout stage: advance, hold or roll back.
 *
 * Precedence: no traffic → hold; broken split (SRM, p < 0.001) → hold, never
 * rollback, because a broken split means no metric can be trusted; any
 * guardrail breached with confidence → rollback, even before the minimum
 * sample; otherwise every unmet condition (data, inconclusive guardrails,
 * success criteria, approval) is a hold reason; advance only when none is left.
 * All comparisons use confidence sequences, which stay valid however often
 * the evaluator job re-runs the gate.
 */
import {
  compareMeans,
  nonInferiorityFromMoments,
  proportionMoments,
  quantileDifference,
  sampleRatioMismatch,
  SRM_P_THRESHOLD,
  type ArmMoments,
  type Histogram,
  type MeanStats,
  type QuantileSample,
  type TestResult,
} from '../analysis/stats';

export interface StageSettings {
  minDurationMs: number;
  minGradedPerArm: number;
  requiresApproval: boolean;
}

export interface StageFacts {
  startedAt: number | Date | null;
  now: number | Date;
  approved: boolean;
}

export interface LatencySummary extends MeanStats {
  /** Fixed-bucket histogram (see quantile-difference.ts for the accepted `bounds` forms)… */
  histogram?: Histogram;
  /** …or raw samples; one of the two is needed for the p95 guardrail. */
  samples?: readonly number[];
}

export interface ArmSummary {
  /** Requests assigned to the arm during the stage (the SRM count). */
  n: number;
  graded: number;
  correct: number;
  latency: LatencySummary;
  cost: MeanStats;
}

export interface GuardrailSettings {
  /** X: largest tolerated relative increase of p95 latency, in percent. */
  p95LatencyMaxIncreasePct: number;
  /** Y: largest tolerated accuracy loss, in percentage points. */
  accuracyNonInferiorityPts: number;
  /** Z: largest tolerated relative increase of mean cost per request, in percent. */
  costMaxIncreasePct: number;
  alpha: number;
  /** Confidence-sequence tuning (total sample size where it is tightest); default 5000. */
  sequentialTuning?: number;
}

export type SuccessMetric = 'latencyMean' | 'p95Latency' | 'cost';

export interface SuccessCriteria {
  /** Metrics the treatment must reduce with confidence; empty → guardrails alone decide. */
  metrics: SuccessMetric[];
  require: 'all' | 'any';
}

export interface GateInput {
  stage: StageSettings;
  facts: StageFacts;
  arms: { control: ArmSummary; treatment: ArmSummary };
  weights: { control: number; treatment: number };
  guardrails: GuardrailSettings;
  success: SuccessCriteria;
}

export type Verdict = 'advance' | 'hold' | 'rollback';
export type CheckStatus = 'pass' | 'fail' | 'pending';
export type CheckKind = 'traffic' | 'integrity' | 'data' | 'guardrail' | 'success' | 'approval';

export type ReasonCode =
  | 'NO_TRAFFIC'
  | 'SRM'
  | 'GUARDRAIL_BREACHED'
  | 'INSUFFICIENT_DATA'
  | 'GUARDRAIL_INCONCLUSIVE'
  | 'SUCCESS_NOT_MET'
  | 'AWAITING_APPROVAL'
  | 'ALL_CRITERIA_MET';

export interface GateReason {
  code: ReasonCode;
  message: string;
  metric?: string;
}

export interface GateCheck {
  name: string;
  kind: CheckKind;
  status: CheckStatus;
  message: string;
  /** The numbers behind the status (effects, bounds, thresholds, counts). */
  values: Record<string, number | boolean | null>;
}

export interface GateDecision {
  verdict: Verdict;
  reasons: GateReason[];
  checks: GateCheck[];
}

const ms = (t: number | Date): number => (typeof t === 'number' ? t : t.getTime());
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Accuracy as a proportion; when both arms sit at the same 0 % or 100 % the
 * Bernoulli variance is zero and no interval exists, so the Agresti–Caffo
 * adjustment (one success and one failure added per arm) supplies one.
 */
function accuracyMoments(c: ArmSummary, t: ArmSummary): [ArmMoments, ArmMoments] {
  const mc = proportionMoments({ n: c.graded, sum: c.correct });
  const mt = proportionMoments({ n: t.graded, sum: t.correct });
  if (mc.variance > 0 || mt.variance > 0 || c.graded < 2 || t.graded < 2) return [mc, mt];
  return [proportionMoments({ n: c.graded + 2, sum: c.correct + 1 }), proportionMoments({ n: t.graded + 2, sum: t.correct + 1 })];
}

function latencySample(l: LatencySummary): QuantileSample | null {
  return l.histogram ?? l.samples ?? null;
}

function ciValues(r: TestResult, threshold: number): GateCheck['values'] {
  return { effect: r.effect, ciLower: finiteOrNull(r.ci[0]), ciUpper: finiteOrNull(r.ci[1]), pValue: r.pValue, threshold };
}

/** "Must not increase by more than `limit`" on a relative-effect confidence sequence. */
function increaseGuardrail(name: string, r: TestResult | null, limit: number, missing: string): GateCheck {
  if (!r || r.insufficient) {
    return { name, kind: 'guardrail', status: 'pending', message: r?.reason ?? missing, values: { threshold: limit } };
  }
  const values = ciValues(r, limit);
  if (r.ci[0] > limit) return { name, kind: 'guardrail', status: 'fail', message: `increase of at least ${pct(r.ci[0])} exceeds the ${pct(limit)} limit`, values };
  if (r.ci[1] < limit) return { name, kind: 'guardrail', status: 'pass', message: `increase of at most ${pct(r.ci[1])} is within the ${pct(limit)} limit`, values };
  return { name, kind: 'guardrail', status: 'pending', message: `interval [${pct(r.ci[0])}, ${pct(r.ci[1])}] straddles the ${pct(limit)} limit`, values };
}

/** "Treatment reduces the metric" on a relative-effect confidence sequence. */
function reductionCheck(name: string, r: TestResult | null, missing: string): GateCheck {
  if (!r || r.insufficient) return { name, kind: 'success', status: 'pending', message: r?.reason ?? missing, values: {} };
  const values = ciValues(r, 0);
  if (r.ci[1] < 0) return { name, kind: 'success', status: 'pass', message: `reduced by ${pct(-r.effect)} (upper bound ${pct(r.ci[1])})`, values };
  if (r.ci[0] > 0) return { name, kind: 'success', status: 'fail', message: `increased by ${pct(r.effect)}`, values };
  return { name, kind: 'success', status: 'pending', message: 'no significant reduction yet', values };
}

export function decideGate(input: GateInput): GateDecision {
  const { stage, facts, arms, weights, guardrails: g, success } = input;
  const { control: c, treatment: t } = arms;
  const seqOpts = { alpha: g.alpha, sequential: { tuning: g.sequentialTuning ?? 5000 } };
  const checks: GateCheck[] = [];

  const totalTraffic = c.n + t.n;
  checks.push({
    name: 'traffic',
    kind: 'traffic',
    status: totalTraffic > 0 ? 'pass' : 'pending',
    message: totalTraffic > 0 ? `${totalTraffic} requests` : 'no traffic',
    values: { control: c.n, treatment: t.n },
  });

  const srm = sampleRatioMismatch([c.n, t.n], [weights.control, weights.treatment]);
  checks.push({
    name: 'srm',
    kind: 'integrity',
    status: srm.insufficient ? 'pending' : srm.mismatch ? 'fail' : 'pass',
    message: srm.mismatch
      ? `sample-ratio mismatch: p = ${srm.pValue.toExponential(2)} < ${SRM_P_THRESHOLD}`
      : srm.insufficient
        ? srm.reason ?? 'insufficient'
        : `split consistent with weights (p = ${srm.pValue.toFixed(4)})`,
    values: { chiSquare: finiteOrNull(srm.chiSquare), pValue: srm.pValue, threshold: SRM_P_THRESHOLD },
  });

  const durationMs = facts.startedAt === null ? 0 : Math.max(0, ms(facts.now) - ms(facts.startedAt));
  checks.push({
    name: 'duration',
    kind: 'data',
    status: durationMs >= stage.minDurationMs ? 'pass' : 'pending',
    message: `${Math.round(durationMs / 1000)} s of ${Math.round(stage.minDurationMs / 1000)} s minimum`,
    values: { durationMs, minDurationMs: stage.minDurationMs },
  });
  const minGraded = Math.min(c.graded, t.graded);
  checks.push({
    name: 'samples',
    kind: 'data',
    status: minGraded >= stage.minGradedPerArm ? 'pass' : 'pending',
    message: `${minGraded} graded in the smaller arm of ${stage.minGradedPerArm} minimum`,
    values: { controlGraded: c.graded, treatmentGraded: t.graded, minGradedPerArm: stage.minGradedPerArm },
  });

  // Guardrails.
  const margin = g.accuracyNonInferiorityPts / 100;
  const [accC, accT] = accuracyMoments(c, t);
  const acc = nonInferiorityFromMoments(accC, accT, { margin, direction: 'higher-is-better', difference: 'absolute', ...seqOpts });
  const accValues = { effect: acc.effect, lowerBound: finiteOrNull(acc.bound), upperBound: finiteOrNull(acc.oppositeBound), pValue: acc.pValue, margin: -margin };
  checks.push(
    acc.insufficient
      ? { name: 'accuracy', kind: 'guardrail', status: 'pending', message: acc.reason ?? 'insufficient', values: accValues }
      : acc.inferior
        ? { name: 'accuracy', kind: 'guardrail', status: 'fail', message: `accuracy lower by at least ${(-100 * acc.oppositeBound).toFixed(2)} pts (limit ${g.accuracyNonInferiorityPts} pts)`, values: accValues }
        : acc.nonInferior
          ? { name: 'accuracy', kind: 'guardrail', status: 'pass', message: `non-inferior: lower bound ${(100 * acc.bound).toFixed(2)} pts > −${g.accuracyNonInferiorityPts} pts`, values: accValues }
          : { name: 'accuracy', kind: 'guardrail', status: 'pending', message: `inconclusive: change ${(100 * acc.effect).toFixed(2)} pts`, values: accValues },
  );

  const latC = latencySample(c.latency);
  const latT = latencySample(t.latency);
  const p95 = latC && latT ? quantileDifference(latC, latT, { quantile: 0.95, difference: 'relative', ...seqOpts }) : null;
  checks.push(increaseGuardrail('p95Latency', p95, g.p95LatencyMaxIncreasePct / 100, 'no latency histogram or samples'));
  const cost = compareMeans(c.cost, t.cost, { difference: 'relative', ...seqOpts });
  checks.push(increaseGuardrail('cost', cost, g.costMaxIncreasePct / 100, 'no cost data'));

  // Success criteria.
  const successChecks = success.metrics.map((m): GateCheck => {
    if (m === 'latencyMean') return reductionCheck('success:latencyMean', compareMeans(c.latency, t.latency, { difference: 'relative', ...seqOpts }), 'no latency data');
    if (m === 'cost') return reductionCheck('success:cost', cost, 'no cost data');
    return reductionCheck('success:p95Latency', p95, 'no latency histogram or samples');
  });
  checks.push(...successChecks);

  checks.push({
    name: 'approval',
    kind: 'approval',
    status: !stage.requiresApproval || facts.approved ? 'pass' : 'pending',
    message: !stage.requiresApproval ? 'not required' : facts.approved ? 'approved' : 'awaiting approval',
    values: { required: stage.requiresApproval, approved: facts.approved },
  });

  const decide = (verdict: Verdict, reasons: GateReason[]): GateDecision => ({ verdict, reasons, checks });
  const byName = (name: string): GateCheck => checks.find((k) => k.name === name)!;

  if (totalTraffic === 0) return decide('hold', [{ code: 'NO_TRAFFIC', message: 'no requests reached the stage yet' }]);
  if (byName('srm').status === 'fail') {
    return decide('hold', [{ code: 'SRM', message: `${byName('srm').message}; data cannot be trusted until the split is fixed` }]);
  }
  const guardrailChecks = checks.filter((k) => k.kind === 'guardrail');
  const breached = guardrailChecks.filter((k) => k.status === 'fail');
  if (breached.length > 0) {
    return decide('rollback', breached.map((k) => ({ code: 'GUARDRAIL_BREACHED', message: k.message, metric: k.name })));
  }

  const reasons: GateReason[] = [];
  for (const k of checks.filter((x) => x.kind === 'data' && x.status !== 'pass')) {
    reasons.push({ code: 'INSUFFICIENT_DATA', message: `insufficient data: ${k.message}`, metric: k.name });
  }
  for (const k of guardrailChecks.filter((x) => x.status !== 'pass')) {
    reasons.push({ code: 'GUARDRAIL_INCONCLUSIVE', message: k.message, metric: k.name });
  }
  const passed = successChecks.filter((k) => k.status === 'pass').length;
  const successMet = successChecks.length === 0 || (success.require === 'all' ? passed === successChecks.length : passed > 0);
  if (!successMet) {
    for (const k of successChecks.filter((x) => x.status !== 'pass')) {
      reasons.push({ code: 'SUCCESS_NOT_MET', message: k.message, metric: k.name.replace(/^success:/, '') });
    }
  }
  if (byName('approval').status !== 'pass') reasons.push({ code: 'AWAITING_APPROVAL', message: 'stage requires approval' });
  if (reasons.length > 0) return decide('hold', reasons);
  return decide('advance', [{ code: 'ALL_CRITERIA_MET', message: 'guardrails non-inferior, success criteria met, data and approval complete' }]);
}
