import { createRng } from '../analysis/stats';
import { DEFAULT_STAGES, defaultPlan, demoPlan, rolloutPlanSchema } from './rollout-plan';
import { scenarioSchema, simulateRollout, type ScenarioInput } from './rollout-simulator';

describe('rolloutPlanSchema', () => {
  it('fills defaults: 1 %, 5 %, 25 %, 50 %, then 100 % (ship)', () => {
    const p = rolloutPlanSchema.parse({});
    expect(p.stages.map((s) => s.share)).toEqual([0.01, 0.05, 0.25, 0.5, 1]);
    expect(p.guardrails).toMatchObject({ p95LatencyMaxIncreasePct: 10, accuracyNonInferiorityPts: 2, costMaxIncreasePct: 10, errorRateMaxIncreasePts: 0.5, alpha: 0.05 });
    expect(p.success).toEqual({ metrics: [], require: 'all' });
    expect(DEFAULT_STAGES).toHaveLength(5);
  });

  it.each([
    [{ stages: [{ share: 0.5 }, { share: 0.2 }] }, 'stages.1.share'],
    [{ stages: [{ share: 0.1 }, { share: 0.5 }] }, 'stages.1.share'],
    [{ stages: [{ share: 1 }] }, 'stages'],
    [{ stages: [] }, 'stages'],
    [{ guardrails: { errorRateMaxIncreasePts: -1 } }, 'guardrails.errorRateMaxIncreasePts'],
    [{ stages: [{ share: 0 }, { share: 1 }] }, 'stages.0.share'],
    [{ stages: [{ share: 0.1, minDurationMs: -1 }, { share: 1 }] }, 'stages.0.minDurationMs'],
    [{ guardrails: { alpha: 0.7 } }, 'guardrails.alpha'],
    [{ success: { metrics: ['speed'] } }, 'success.metrics.0'],
  ])('%j is rejected at %s', (body, path) => {
    const r = rolloutPlanSchema.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path.join('.')).toBe(path);
  });

  it('accepts a custom plan', () => {
    const p = rolloutPlanSchema.parse({ stages: [{ share: 0.1, requiresApproval: true }, { share: 1 }], success: { metrics: ['p95Latency'], require: 'any' } });
    expect(p.stages[0]).toEqual({ share: 0.1, minDurationMs: 3_600_000, minGradedPerArm: 200, requiresApproval: true });
  });

  it('keeps the demo plan valid as a PUT body', () => {
    expect(rolloutPlanSchema.parse(demoPlan())).toEqual(demoPlan());
  });
});

describe('demoPlan under the gate (rollout simulator)', () => {
  // The demo's traffic (4 requests/s, every answer graded) with arms like the measured ones (README).
  const scenario = (treatment: ScenarioInput['treatment']): ScenarioInput => ({
    name: 'demo',
    ratePerMinute: 240,
    gradedShare: 1,
    horizonHours: 5 / 60,
    evalIntervalMinutes: 5 / 60,
    plan: demoPlan(),
    control: { accuracy: 0.18, latencyMs: { p50: 85, p95: 330 }, costUsd: { mean: 1e-4, cv: 0.5 } },
    treatment,
  });
  const run = (s: ScenarioInput) => simulateRollout(scenarioSchema.parse(s), { runs: 40, seed: 7, rng: createRng(7), defaultPlan }).summary;

  it('ships a SPECS like the measured one within the 5-minute demo', () => {
    const s = run(scenario({ accuracy: 0.26, latencyMs: { p50: 51, p95: 176 }, costUsd: { mean: 6e-5, cv: 0.5 } }));
    expect(s.shipped).toBeGreaterThanOrEqual(0.9);
    expect(s.hoursToShip.p90).toBeLessThan(5 / 60);
  });

  it('rolls back a SPECS that fails a third of its requests', () => {
    const s = run(scenario({ accuracy: 0.26, latencyMs: { p50: 51, p95: 176 }, costUsd: { mean: 6e-5, cv: 0.5 }, errorRate: 0.33 }));
    expect(s.rolledBack).toBeGreaterThanOrEqual(0.9);
  });
});
