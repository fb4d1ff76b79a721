import type { ResultsJson, StageData } from '../analysis/kpi-service';
import { UnavailableError } from '../errors';
import { previewBodySchema, type PlanPreview } from './plan-preview';
import { createPlanPreviewer, type PlanPreviewerDeps } from './plan-preview-runner';
import type { RolloutPlanInput } from './rollout-plan';

// Each preview simulates hundreds of gate evaluations: seconds of CPU, more on a loaded machine.
jest.setTimeout(60_000);

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');
const kpis = (n: number, accuracy: number, p95: number) => ({ n, graded: n, accuracy, latency: { mean: 90, p50: 80, p95, p99: 400 }, costPerRequest: 1e-5, errorRate: 0 });

/** 3,000 requests per minute over ten minutes; SPECS as accurate as the baseline, or not. */
const results = (specsAccuracy: number) =>
  ({
    granularity: 'minute',
    variants: { baseline: kpis(15_000, 0.5, 300), specs: kpis(15_000, specsAccuracy, 300) },
    timeseries: Array.from({ length: 10 }, (_, m) => ({ bucket: new Date(T0 + m * MIN).toISOString(), variant: 'baseline', n: 3000, graded: 3000, accuracy: null, latencyMean: null, latencyP95: null, costPerRequest: null })),
  }) as unknown as ResultsJson;

const PLAN: RolloutPlanInput = {
  stages: [
    { share: 0.1, minDurationMs: 10 * MIN, minGradedPerArm: 500, requiresApproval: false },
    { share: 0.5, minDurationMs: 10 * MIN, minGradedPerArm: 500, requiresApproval: false },
    { share: 1, minDurationMs: 0, minGradedPerArm: 0, requiresApproval: false },
  ],
  guardrails: { p95LatencyMaxIncreasePct: 10, accuracyNonInferiorityPts: 2, costMaxIncreasePct: 10, errorRateMaxIncreasePts: 0.5, alpha: 0.05 },
  success: { metrics: [], require: 'all' },
};

function previewer(over: Partial<PlanPreviewerDeps> = {}, specsAccuracy = 0.5) {
  return createPlanPreviewer({
    kpi: { results: async () => results(specsAccuracy), stageData: async () => ({ arms: { baseline: { sums: { n: 2, costSum: 2e-5, costSumSq: 2.5e-10 } }, specs: { sums: { n: 0, costSum: 0, costSumSq: 0 } } } }) as unknown as StageData },
    savedPlan: async () => PLAN,
    gateIntervalMs: MIN,
    clock: () => 0,
    ...over,
  });
}
const body = (over: object = {}) => previewBodySchema.parse({ runs: 10, ...over });

describe('plan preview runner', () => {
  it('previews the saved plan, and is deterministic under a seed', async () => {
    const p = previewer();
    const a = (await p.preview('k', body({ seed: 3 }))) as PlanPreview;
    const b = (await p.preview('k', body({ seed: 3 }))) as PlanPreview;
    expect(a.plan).toEqual(PLAN);
    expect(a.simulation).toMatchObject({ runs: 10, requestedRuns: 10, seed: 3 });
    expect(b).toEqual(a);
    expect(a.traffic).toMatchObject({ ratePerMinute: 3000, source: 'observed', windowMinutes: 10 });
  });

  it.each([
    // At 3,000/min the gate has power: A/A ships and rarely rolls back; a 10-pt regression is caught.
    ['SPECS as accurate as the baseline', 0.5, (p: PlanPreview) => expect(p.hoursToShip.shipped.count).toBeGreaterThanOrEqual(8)],
    ['SPECS 10 pts less accurate', 0.4, (p: PlanPreview) => expect(p.hoursToShip.rolledBack.count).toBeGreaterThanOrEqual(8)],
  ] as const)('reads the observed arms: %s', async (_name, acc, check) => {
    const p = (await previewer({}, acc).preview('k', body())) as PlanPreview;
    check(p);
    expect(p.falseRollback.count).toBeLessThanOrEqual(2);
  });

  it('stops at its time budget and says how many runs it did', async () => {
    let t = 0;
    // Each clock read is a second later: the 2.5 s budget is spent after three rounds of the three cases.
    const p = (await previewer({ clock: () => (t += 1000), budgetMs: 2500 }).preview('k', body({ runs: 40 }))) as PlanPreview;
    expect(p.simulation.requestedRuns).toBe(40);
    expect(p.simulation.runs).toBe(3);
    expect(p.falseRollback.runs).toBe(p.simulation.runs);
  });

  it('runs previews one at a time and refuses beyond its queue with a 503', async () => {
    const p = previewer({ maxWaiting: 2 });
    const first = p.preview('k', body());
    const second = p.preview('k', body());
    await expect(p.preview('k', body())).rejects.toBeInstanceOf(UnavailableError);
    const [a, b] = (await Promise.all([first, second])) as PlanPreview[];
    expect(b).toEqual(a);
    await expect(p.preview('k', body())).resolves.toMatchObject({ experiment: 'k' });
  });
});
