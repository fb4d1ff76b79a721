/**
 * Pure gate decision for one rollout stage: advance, hold or roll back. The evaluator job,
 * the console, the report and the rollout simulator all call this one function.
 *
 * Guardrails (each "SPECS no worse than the baseline by more than a limit"):
 *   accuracy    −Y points (absolute)       errorRate   +E points (absolute; errors and timeouts)
 *   p95Latency  +X % (relative)            cost        +Z % (relative, mean per request)
 * A guardrail fails when the degradation beyond its limit is certain at level α, passes
 * when a degradation as large as the limit is excluded, and is pending otherwise.
 *
 * Two regimes, because asymptotic intervals lie at small samples:
 *   - before the stage's minimum duration and samples, only a breach certain under an
 *     exact test may roll back: the two proportion guardrails use anytime-valid
 *     beta-binomial confidence sequences per arm (exact at any n; proportions.ts).
 *     Latency and cost have no exact test here, so they only hold.
 *   - from the minimums on, one-sided asymptotic confidence sequences (GrowthBook's, with
 *     Agresti–Caffo proportions), safe however often the evaluator looks, tuned to the
 *     sample size expected at decision time, and widened by the design effect when units
 *     repeat (clustered.ts).
 *
 * Precedence: no traffic → hold; a confident breach → roll back, even with a sample-ratio
 * mismatch (a regression that also breaks the split must not keep its exposure); SRM →
 * hold and alert; then every unmet condition (minimums, inconclusive guardrails, success
 * criteria, approval) is a hold reason; advance only when none is left.
 */
import {
  agrestiCaffoMoments,
  compareMeans,
  exactDifferenceBounds,
  normalQuantile,
  quantileDifference,
  sampleRatioMismatch,
  sequentialHalfwidthOneSided,
  SRM_P_THRESHOLD,
  type Histogram,
  type MeanStats,
  type ProportionStats,
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

/** One arm of a stage, in outcome-model terms (outcome.ts): built by armSummary in gate-inputs.ts. */
export interface ArmSummary {
  /** Requests assigned to the arm during the stage (the SRM count and error-rate denominator). */
  n: number;
  /** Errors and timeouts. */
  failures: number;
  graded: number;
  correct: number;
  /** Requests in the latency distribution (ok, and timeouts at their deadline). */
  latency: LatencySummary;
  /** Cost per request over every request, failures included. */
  cost: MeanStats;
}

export interface GuardrailSettings {
  /** X: largest tolerated relative increase of p95 latency, in percent. */
  p95LatencyMaxIncreasePct: number;
  /** Y: largest tolerated accuracy loss, in percentage points. */
  accuracyNonInferiorityPts: number;
  /** Z: largest tolerated relative increase of mean cost per request, in percent. */
  costMaxIncreasePct: number;
  /** E: largest tolerated increase of the error rate (errors + timeouts), in percentage points. */
  errorRateMaxIncreasePts: number;
  alpha: number;
  /** Fixed confidence-sequence tuning; by default set per metric from the sample size expected at decision time. */
  sequentialTuning?: number;
}

export type SuccessMetric = 'latencyMean' | 'p95Latency' | 'cost';

export interface SuccessCriteria {
  /** Metrics the treatment must reduce with confidence; empty → guardrails alone decide. */
  metrics: SuccessMetric[];
  require: 'all' | 'any';
}

/** Variance inflation per metric when units repeat (1 = they do not); from unit buckets. */
export type DesignEffects = Partial<Record<'accuracy' | 'errorRate' | 'latency' | 'cost', number>>;

export interface GateInput {
  stage: StageSettings;
  facts: StageFacts;
  arms: { control: ArmSummary; treatment: ArmSummary };
  weights: { control: number; treatment: number };
  guardrails: GuardrailSettings;
  success: SuccessCriteria;
  designEffects?: DesignEffects;
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
  values: Record<string, number | boolean | string | null>;
}

export interface GateDecision {
  verdict: Verdict;
  reasons: GateReason[];
  checks: GateCheck[];
}

export const GUARDRAIL_LABELS: Readonly<Record<string, string>> = Object.freeze({
  accuracy: 'accuracy',
  errorRate: 'error rate',
  p95Latency: 'p95 latency',
  cost: 'cost per request',
});

const ms = (t: number | Date): number => (typeof t === 'number' ? t : t.getTime());
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const pts = (x: number): string => `${(100 * x).toFixed(2)} pts`;
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const Z_POWER = normalQuantile(0.8);

/** A guardrail's degradation (positive = SPECS worse) with its one-sided bounds. */
interface Degradation {
  estimate: number;
  lower: number;
  upper: number;
  regime: 'exact' | 'sequential';
  tuning: number | null;
  designEffect: number;
}

interface GuardrailSpec {
  name: 'accuracy' | 'errorRate' | 'p95Latency' | 'cost';
  limit: number;
  format: (x: number) => string;
}

function guardrailCheck(spec: GuardrailSpec, d: Degradation | { insufficient: string }, minimumsMet: boolean): GateCheck {
  const label = GUARDRAIL_LABELS[spec.name]!;
  const base = { name: spec.name, kind: 'guardrail' as const };
  if ('insufficient' in d) return { ...base, status: 'pending', message: `${label}: ${d.insufficient}`, values: { limit: spec.limit } };
  const values = {
    effect: finiteOrNull(d.estimate),
    lower: finiteOrNull(d.lower),
    upper: finiteOrNull(d.upper),
    limit: spec.limit,
    regime: d.regime,
    tuning: d.tuning,
    designEffect: d.designEffect,
  };
  // Messages show the interval within what the metric can be (a proportion's difference within
  // ±100 pts, a relative change above −100 %): the decision uses the raw bounds, but a person
  // reading the log must never see an impossible number.
  const [floor, ceiling] = spec.name === 'accuracy' || spec.name === 'errorRate' ? [-1, 1] : [-1, Infinity];
  const show = (x: number) => spec.format(Math.min(ceiling, Math.max(floor, x)));
  const range = `[${show(d.lower)}, ${show(d.upper)}]`;
  if (d.lower > spec.limit) {
    if (d.regime === 'sequential' && !minimumsMet) {
      return { ...base, status: 'pending', message: `${label}: worse by ${range}, beyond the ${spec.format(spec.limit)} limit, but an asymptotic test cannot roll back before the stage minimum`, values };
    }
    return { ...base, status: 'fail', message: `${label}: worse by at least ${show(d.lower)}, beyond the ${spec.format(spec.limit)} limit (${d.regime === 'exact' ? 'exact' : 'sequential'} bound)`, values };
  }
  if (d.upper < spec.limit) return { ...base, status: 'pass', message: `${label}: worse by at most ${show(d.upper)}, within the ${spec.format(spec.limit)} limit`, values };
  return { ...base, status: 'pending', message: `${label}: change ${range} straddles the ${spec.format(spec.limit)} limit`, values };
}

/**
 * Sample size (both arms, in the metric's own units) at which the gate is expected to decide:
 * the stage's minimums at the observed rate, or the size at which a one-sided test at α has
 * 80 % power to show non-inferiority of an unchanged arm, whichever is larger. `perUnitVariance`
 * is s² with Var(effect) ≈ s²/N.
 */
export function decisionSampleSize(o: {
  unitsPerMs: number;
  minDurationMs: number;
  msToSampleMinimum: number;
  perUnitVariance: number;
  limit: number;
  alpha: number;
}): number {
  const atMinimum = o.unitsPerMs * Math.max(o.minDurationMs, o.msToSampleMinimum);
  const zSum = normalQuantile(1 - o.alpha) + Z_POWER;
  const forPower = o.limit > 0 && o.perUnitVariance > 0 ? (zSum * zSum * o.perUnitVariance) / (o.limit * o.limit) : 0;
  const n = Math.max(atMinimum, forPower);
  return Number.isFinite(n) && n >= 100 ? n : 100;
}

interface Context {
  input: GateInput;
  minimumsMet: boolean;
  durationMs: number;
  alpha: number;
}

function tuningFor(ctx: Context, unitsNow: number, perUnitVariance: number, limit: number): number {
  const { input, durationMs, alpha } = ctx;
  if (input.guardrails.sequentialTuning) return input.guardrails.sequentialTuning;
  const { stage, arms, weights } = input;
  const elapsed = Math.max(60_000, durationMs);
  const gradedPerMs = (arms.control.graded + arms.treatment.graded) / elapsed;
  const smaller = Math.min(weights.control, weights.treatment) / (weights.control + weights.treatment);
  const msToSampleMinimum = gradedPerMs > 0 && smaller > 0 ? stage.minGradedPerArm / (gradedPerMs * smaller) : stage.minDurationMs;
  return decisionSampleSize({ unitsPerMs: unitsNow / elapsed, minDurationMs: stage.minDurationMs, msToSampleMinimum, perUnitVariance, limit, alpha });
}

/** s² of a difference of means with arm weights w: σ²(1/w_c + 1/w_t) on shares, σ² from both arms pooled. */
const perUnitVariance = (pooledVariance: number, w: { control: number; treatment: number }): number => {
  const total = w.control + w.treatment;
  return w.control > 0 && w.treatment > 0 ? pooledVariance * (total / w.control + total / w.treatment) : 0;
};

function proportionDegradation(
  ctx: Context,
  c: ProportionStats,
  t: ProportionStats,
  badWhenHigher: boolean,
  limit: number,
  deff: number,
): Degradation | { insufficient: string } {
  const sign = badWhenHigher ? 1 : -1;
  if (!ctx.minimumsMet) {
    if (c.n === 0 || t.n === 0) return { insufficient: 'no observations in an arm yet' };
    const [lo, hi] = exactDifferenceBounds(c, t, ctx.alpha);
    const [lower, upper] = badWhenHigher ? [lo, hi] : [-hi, -lo];
    return { estimate: sign * (t.sum / t.n - c.sum / c.n), lower, upper, regime: 'exact', tuning: null, designEffect: 1 };
  }
  const mc = agrestiCaffoMoments(c);
  const mt = agrestiCaffoMoments(t);
  const effect = sign * (mt.mean - mc.mean);
  const se = Math.sqrt(deff * (mt.variance / mt.n + mc.variance / mc.n));
  const n = mc.n + mt.n;
  const pooled = (mc.variance * mc.n + mt.variance * mt.n) / n;
  const tuning = tuningFor(ctx, c.n + t.n, perUnitVariance(pooled, ctx.input.weights), limit);
  const hw = sequentialHalfwidthOneSided(se, n, ctx.alpha, tuning);
  return { estimate: effect, lower: effect - hw, upper: effect + hw, regime: 'sequential', tuning, designEffect: deff };
}

/** Relative increase (bad when higher) from a fixed-horizon result's effect and standard error. */
function relativeDegradation(ctx: Context, r: TestResult | null, n: number, pooledRelVariance: number, limit: number, deff: number, missing: string): Degradation | { insufficient: string } {
  if (!r) return { insufficient: missing };
  if (r.insufficient) return { insufficient: r.reason ?? 'insufficient data' };
  const se = r.stddev * Math.sqrt(deff);
  const tuning = tuningFor(ctx, n, perUnitVariance(pooledRelVariance, ctx.input.weights), limit);
  const hw = sequentialHalfwidthOneSided(se, n, ctx.alpha, tuning);
  return { estimate: r.effect, lower: r.effect - hw, upper: r.effect + hw, regime: 'sequential', tuning, designEffect: deff };
}

function latencySample(l: LatencySummary): QuantileSample | null {
  return l.histogram ?? l.samples ?? null;
}

const relVariance = (m: MeanStats): number => {
  if (!(m.n > 1) || m.sum === 0) return 0;
  const mean = m.sum / m.n;
  return Math.max(0, (m.sumSquares - m.sum * mean) / (m.n - 1)) / (mean * mean);
};

/** "Treatment reduces the metric" with confidence (two-sided sequential, as gbstats). */
function reductionCheck(name: string, r: TestResult | null, missing: string): GateCheck {
  if (!r || r.insufficient) return { name, kind: 'success', status: 'pending', message: r?.reason ?? missing, values: {} };
  const values = { effect: r.effect, lower: finiteOrNull(r.ci[0]), upper: finiteOrNull(r.ci[1]) };
  if (r.ci[1] < 0) return { name, kind: 'success', status: 'pass', message: `reduced by ${pct(-r.effect)} (upper bound ${pct(r.ci[1])})`, values };
  if (r.ci[0] > 0) return { name, kind: 'success', status: 'fail', message: `increased by ${pct(r.effect)}`, values };
  return { name, kind: 'success', status: 'pending', message: 'no significant reduction yet', values };
}

export function decideGate(input: GateInput): GateDecision {
  const { stage, facts, arms, weights, guardrails: g, success } = input;
  const { control: c, treatment: t } = arms;
  const deff = input.designEffects ?? {};
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
        ? (srm.reason ?? 'insufficient')
        : `split consistent with weights (p = ${srm.pValue.toFixed(4)})`,
    values: { chiSquare: finiteOrNull(srm.chiSquare), pValue: srm.pValue, threshold: SRM_P_THRESHOLD },
  });

  const durationMs = facts.startedAt === null ? 0 : Math.max(0, ms(facts.now) - ms(facts.startedAt));
  const durationOk = durationMs >= stage.minDurationMs;
  checks.push({
    name: 'duration',
    kind: 'data',
    status: durationOk ? 'pass' : 'pending',
    message: `${Math.round(durationMs / 1000)} s of ${Math.round(stage.minDurationMs / 1000)} s minimum`,
    values: { durationMs, minDurationMs: stage.minDurationMs },
  });
  const minGraded = Math.min(c.graded, t.graded);
  const samplesOk = minGraded >= stage.minGradedPerArm;
  checks.push({
    name: 'samples',
    kind: 'data',
    status: samplesOk ? 'pass' : 'pending',
    message: `${minGraded} graded in the smaller arm of ${stage.minGradedPerArm} minimum`,
    values: { controlGraded: c.graded, treatmentGraded: t.graded, minGradedPerArm: stage.minGradedPerArm },
  });

  const ctx: Context = { input, minimumsMet: durationOk && samplesOk, durationMs, alpha: g.alpha };

  const accuracy = proportionDegradation(ctx, { n: c.graded, sum: c.correct }, { n: t.graded, sum: t.correct }, false, g.accuracyNonInferiorityPts / 100, deff.accuracy ?? 1);
  checks.push(guardrailCheck({ name: 'accuracy', limit: g.accuracyNonInferiorityPts / 100, format: pts }, accuracy, ctx.minimumsMet));
  const errorRate = proportionDegradation(ctx, { n: c.n, sum: c.failures }, { n: t.n, sum: t.failures }, true, g.errorRateMaxIncreasePts / 100, deff.errorRate ?? 1);
  checks.push(guardrailCheck({ name: 'errorRate', limit: g.errorRateMaxIncreasePts / 100, format: pts }, errorRate, ctx.minimumsMet));

  const latC = latencySample(c.latency);
  const latT = latencySample(t.latency);
  const p95 = latC && latT ? quantileDifference(latC, latT, { quantile: 0.95, difference: 'relative', alpha: g.alpha }) : null;
  const p95Rel = p95 && !p95.insufficient && p95.control ? ((p95.control.stddev / p95.control.estimate) ** 2) * p95.control.n : 0;
  checks.push(
    guardrailCheck(
      { name: 'p95Latency', limit: g.p95LatencyMaxIncreasePct / 100, format: pct },
      relativeDegradation(ctx, p95, c.latency.n + t.latency.n, p95Rel, g.p95LatencyMaxIncreasePct / 100, deff.latency ?? 1, 'no latency histogram or samples'),
      ctx.minimumsMet,
    ),
  );
  const cost = compareMeans(c.cost, t.cost, { difference: 'relative', alpha: g.alpha });
  checks.push(
    guardrailCheck(
      { name: 'cost', limit: g.costMaxIncreasePct / 100, format: pct },
      relativeDegradation(ctx, cost, c.cost.n + t.cost.n, relVariance(c.cost), g.costMaxIncreasePct / 100, deff.cost ?? 1, 'no cost data'),
      ctx.minimumsMet,
    ),
  );

  const seqOpts = { alpha: g.alpha, sequential: true as const };
  const successChecks = success.metrics.map((m): GateCheck => {
    if (m === 'latencyMean') return reductionCheck('success:latencyMean', compareMeans(c.latency, t.latency, { difference: 'relative', ...seqOpts }), 'no latency data');
    if (m === 'cost') return reductionCheck('success:cost', compareMeans(c.cost, t.cost, { difference: 'relative', ...seqOpts }), 'no cost data');
    return reductionCheck('success:p95Latency', latC && latT ? quantileDifference(latC, latT, { quantile: 0.95, difference: 'relative', ...seqOpts }) : null, 'no latency histogram or samples');
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
  const guardrailChecks = checks.filter((k) => k.kind === 'guardrail');
  const breached = guardrailChecks.filter((k) => k.status === 'fail');
  if (breached.length > 0) {
    return decide('rollback', breached.map((k) => ({ code: 'GUARDRAIL_BREACHED', message: k.message, metric: k.name })));
  }
  if (byName('srm').status === 'fail') {
    return decide('hold', [{ code: 'SRM', message: `${byName('srm').message}; no metric can be trusted until the split is fixed` }]);
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
