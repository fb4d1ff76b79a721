import { DEFAULT_STAGES, rolloutPlanSchema } from './rollout-plan';

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
});
