import type { ArmObservation, ObservedTraffic } from './plan-preview';
import { MAX_STEPS_PER_RUN, observeTraffic, plannedMinimumMs, previewBodySchema, previewResult, previewScenarios, REGRESSION_PTS } from './plan-preview';
import { defaultPlan, type RolloutPlanInput } from './rollout-plan';
import type { SimulationSummary } from './rollout-simulator';

const MIN = 60_000;
const arm = (over: Partial<ArmObservation> = {}): ArmObservation => ({ n: 1000, graded: 500, accuracy: 0.3, p50Ms: 80, p95Ms: 300, costMean: 2e-5, costCv: 0.4, errorRate: 0.01, ...over });
const observed = (over: Partial<ObservedTraffic> = {}): ObservedTraffic => ({ ratePerMinute: 100, windowMinutes: 20, gradedShare: 0.5, baseline: arm(), specs: arm({ accuracy: 0.35, p50Ms: 50, p95Ms: 180 }), ...over });
const plan = (stages: [number, number, number][]): RolloutPlanInput => ({
  ...defaultPlan(),
  stages: [...stages.map(([share, minutes, graded]) => ({ share, minDurationMs: minutes * MIN, minGradedPerArm: graded, requiresApproval: false })), { share: 1, minDurationMs: 0, minGradedPerArm: 0, requiresApproval: false }],
});

describe('plan preview', () => {
  it.each([
    // share, minutes, graded, rate, graded share → minimum minutes
    ['duration dominates', [[0.5, 60, 10]], 100, 0.5, 60],
    // 200 graded in the smaller arm at 1 %: 100/min × 0.5 graded × 0.01 = 0.5/min → 400 min
    ['samples dominate at a small share', [[0.01, 60, 200]], 100, 0.5, 400],
    ['two stages add up', [[0.01, 60, 200], [0.5, 60, 10]], 100, 0.5, 460],
    ['the smaller arm counts above 50 %', [[0.8, 0, 100]], 100, 1, 5],
  ] as const)('minimum time of a plan: %s', (_name, stages, rate, graded, minutes) => {
    expect(plannedMinimumMs(plan(stages.map((s) => [...s] as [number, number, number])), rate, graded) / MIN).toBeCloseTo(minutes, 9);
  });

  it('needs a rate: none observed and none given is insufficient, with the field to give', () => {
    const r = previewScenarios(observed({ ratePerMinute: null }), defaultPlan(), { gateIntervalMs: MIN });
    expect(r).toEqual({ insufficient: true, reason: expect.stringContaining('ratePerMinute') });
    expect('insufficient' in previewScenarios(observed({ ratePerMinute: null }), defaultPlan(), { gateIntervalMs: MIN, ratePerMinute: 30 })).toBe(false);
  });

  it.each([
    ['observed traffic', observed(), {}, 'observed', 100],
    ['a given rate wins', observed(), { ratePerMinute: 250 }, 'given', 250],
  ] as const)('builds the three cases from %s', (_name, o, opts, source, rate) => {
    const r = previewScenarios(o, defaultPlan(), { gateIntervalMs: MIN, ...opts });
    if ('insufficient' in r) throw new Error('expected scenarios');
    expect(r.rateSource).toBe(source);
    for (const s of [r.asObserved, r.aa, r.regression]) {
      expect(s.ratePerMinute).toBe(rate);
      expect(s.control).toEqual(r.asObserved.control);
    }
    expect(r.asObserved.treatment.accuracy).toBe(0.35);
    expect(r.aa.treatment).toEqual(r.aa.control);
    expect(r.regression.treatment.accuracy).toBeCloseTo(r.regression.control.accuracy - REGRESSION_PTS / 100, 12);
    expect(r.assumptions).toEqual([]);
  });

  it.each([
    ['high traffic, short plan', observed({ ratePerMinute: 5000 }), plan([[0.5, 10, 10]]), MIN],
    ['low traffic, the default plan', observed({ ratePerMinute: 2 }), defaultPlan(), MIN],
    ['a coarse live gate', observed(), plan([[0.5, 10, 10]]), 20 * MIN],
  ])('bounds the work: %s', (_name, o, p, gate) => {
    const r = previewScenarios(o, p, { gateIntervalMs: gate });
    if ('insufficient' in r) throw new Error('expected scenarios');
    expect((r.horizonHours * 60) / r.evalIntervalMinutes).toBeLessThanOrEqual(MAX_STEPS_PER_RUN + 1e-9);
    expect(r.evalIntervalMinutes).toBeGreaterThanOrEqual(gate / MIN);
    expect(r.evalIntervalMinutes).toBeLessThanOrEqual(60);
    expect(r.horizonHours).toBeGreaterThanOrEqual(6);
  });

  it.each([
    ['few baseline requests', observed({ baseline: arm({ n: 5, graded: 2 }) }), /baseline: only 5 requests, so assumed: accuracy 0.5, latency p50 100 ms/],
    ['graded answers not measured', observed({ baseline: arm({ accuracy: null }) }), /baseline accuracy assumed 0.5 \(not measured\)/],
    ['no SPECS traffic', observed({ specs: arm({ n: 0, graded: 0 }) }), /SPECS assumed equal to the baseline/],
    ['nothing graded', observed({ gradedShare: 0 }), /graded share assumed 0.5/],
    ['no cost variation measured', observed({ baseline: arm({ costCv: null }) }), /baseline cost variation assumed 1 \(not measured\)/],
  ])('states its assumptions: %s', (_name, o, pattern) => {
    const r = previewScenarios(o, defaultPlan(), { gateIntervalMs: MIN });
    if ('insufficient' in r) throw new Error('expected scenarios');
    expect(r.assumptions.join('; ')).toMatch(pattern);
  });

  it('keeps the simulator’s constraints when histogram quantiles coincide', () => {
    const r = previewScenarios(observed({ baseline: arm({ p50Ms: 100, p95Ms: 100, costMean: 0 }) }), defaultPlan(), { gateIntervalMs: MIN });
    if ('insufficient' in r) throw new Error('expected scenarios');
    expect(r.aa.control.latencyMs.p95).toBeGreaterThan(r.aa.control.latencyMs.p50);
    expect(r.aa.control.costUsd.mean).toBeGreaterThan(0);
  });

  it('measures the rate over the span that had requests and the cost variation from the current stage', () => {
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    const kpis = (n: number, graded: number) => ({ n, graded, accuracy: 0.5, latency: { mean: 90, p50: 80, p95: 200, p99: 300 }, costPerRequest: 1e-5, errorRate: 0 });
    const o = observeTraffic(
      {
        granularity: 'minute',
        variants: { baseline: kpis(80, 40), specs: kpis(20, 10) } as never,
        timeseries: [0, 3, 9].map((m) => ({ bucket: new Date(t0 + m * MIN).toISOString(), variant: 'baseline' as const, n: 10, graded: 5, accuracy: null, latencyMean: null, latencyP95: null, costPerRequest: null })),
      },
      { arms: { baseline: { sums: { n: 4, costSum: 4, costSumSq: 4 + 3 * 1 } }, specs: { sums: { n: 1, costSum: 1, costSumSq: 1 } } } } as never,
    );
    expect(o.windowMinutes).toBe(10);
    expect(o.ratePerMinute).toBe(10);
    expect(o.gradedShare).toBe(0.5);
    expect(o.baseline.costCv).toBeCloseTo(1, 12);
    expect(o.specs.costCv).toBeNull();
  });

  it('reports chances with their run counts and intervals', () => {
    const summary = (shipped: number, rolledBack: number): SimulationSummary => ({
      scenario: 'x', runs: 40, seed: 1, ratePerMinute: 100, shipped, rolledBack, stuck: 1 - shipped - rolledBack, byStage: [],
      hoursToShip: { p50: 3, p90: 5 }, hoursToRollback: { p50: null, p90: null }, rollbackReasons: {},
    });
    const s = previewScenarios(observed(), defaultPlan(), { gateIntervalMs: MIN });
    if ('insufficient' in s) throw new Error('expected scenarios');
    const p = previewResult('k', s, { asObserved: summary(0.9, 0.05), aa: summary(0.95, 0.025), regression: summary(0.1, 0.8) }, { seed: 1, requestedRuns: 40, gateIntervalMs: MIN, windowMinutes: 20 });
    expect(p.falseRollback).toMatchObject({ count: 1, runs: 40, probability: 0.025 });
    expect(p.falseRollback.ci[0]).toBeLessThan(0.025);
    expect(p.falseRollback.ci[1]).toBeGreaterThan(0.1);
    expect(p.regressionShipped).toMatchObject({ count: 4, probability: 0.1, regressionPts: REGRESSION_PTS });
    expect(p.hoursToShip).toMatchObject({ p50: 3, p90: 5, shipped: { count: 36 } });
  });

  it.each([
    [{ runs: 5 }, 'runs'],
    [{ runs: 10.5 }, 'runs'],
    [{ ratePerMinute: -1 }, 'ratePerMinute'],
    [{ ratePerMinute: 1e9 }, 'ratePerMinute'],
    [{ plan: { stages: [{ share: 2 }, { share: 1 }] } }, 'plan.stages.0.share'],
    [{ extra: true }, ''],
  ])('rejects %j naming %p', (body, path) => {
    const r = previewBodySchema.safeParse(body);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]!.path.join('.')).toBe(path);
  });
});
