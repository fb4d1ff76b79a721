import { createRng } from '../analysis/stats';
import { defaultPlan } from './rollout-plan';
import { scenarioSchema, simulateRollout, type ScenarioInput } from './rollout-simulator';

const arm = { accuracy: 0.25, latencyMs: { p50: 85, p95: 330 }, costUsd: { mean: 1e-5, cv: 0.5 }, errorRate: 0, errorLatencyMs: 5 };
const scenario = (over: Omit<Partial<ScenarioInput>, 'treatment'> & { treatment?: Partial<typeof arm> } = {}): ScenarioInput => ({
  name: 'test',
  ratePerMinute: 3000,
  gradedShare: 0.5,
  horizonHours: 12,
  plan: null,
  ...over,
  control: arm,
  treatment: { ...arm, ...over.treatment },
});

const run = (s: ScenarioInput, runs: number, seed = 1) =>
  simulateRollout(scenarioSchema.parse(s), { runs, seed, rng: createRng(seed), defaultPlan }).summary;

describe('rollout simulator', () => {
  it.each([
    ['SPECS failing 20 % fast is rolled back on the error rate, within minutes', { treatment: { errorRate: 0.2 } }, 'rolledBack', 'errorRate'],
    ['SPECS 40 % slower at p95 is rolled back on p95 latency', { treatment: { latencyMs: { p50: 120, p95: 462 } } }, 'rolledBack', 'p95Latency'],
  ] as const)('%s', (_name, over, outcome, reason) => {
    const s = run(scenario(over), 5);
    expect(s[outcome]).toBe(1);
    expect(s.rollbackReasons[reason]).toBe(1);
  });

  it('A/A at 3,000/min ships without a rollback', () => {
    const s = run(scenario({}), 5);
    expect(s.rolledBack).toBe(0);
    expect(s.shipped).toBeGreaterThan(0);
    expect(s.byStage).toHaveLength(4);
    expect(s.hoursToShip.p50).not.toBeNull();
  });

  it('is deterministic under a seed', () => {
    expect(run(scenario({ treatment: { errorRate: 0.2 } }), 3, 7)).toEqual(run(scenario({ treatment: { errorRate: 0.2 } }), 3, 7));
  });

  it.each([
    ['p95 below p50', { control: { ...arm, latencyMs: { p50: 100, p95: 50 } } }, 'control.latencyMs.p95'],
    ['negative rate', { ratePerMinute: -1 }, 'ratePerMinute'],
    ['an invalid plan', { plan: { stages: [] } }, 'plan.stages'],
  ])('rejects %s, naming the field', (_name, over, path) => {
    const parsed = scenarioSchema.safeParse({ ...scenario({}), ...over });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
