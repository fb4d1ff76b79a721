import type { GateCheck } from './gate-decision';
import { describeAssessment, guardrailRow, stageLabel, type AssessmentInput } from './rollout-assessment';
import { defaultPlan } from './rollout-plan';

const guardrail = (name: string, values: GateCheck['values'], status: GateCheck['status'] = 'pending', message = `${name}: change straddles the limit`): GateCheck => ({ name, kind: 'guardrail', status, message, values });

describe('rollout assessment', () => {
  it.each([
    [0, 5, 0.01, 'stage 1 of 5 (1 %)'],
    [1, 5, 0.05, 'stage 2 of 5 (5 %)'],
    [4, 5, 1, 'stage 5 of 5 (100 %)'],
    [0, 3, 0.125, 'stage 1 of 3 (12.5 %)'],
  ])('stage %p of %p at %p reads %p', (i, n, share, text) => {
    expect(stageLabel(i, n, share)).toBe(text);
  });

  it.each([
    // accuracy: degradation = baseline − SPECS, so SPECS − baseline is its negative, bounds swapped
    ['accuracy', { effect: 0.01, lower: -0.02, upper: 0.04, limit: 0.02, regime: 'sequential' }, { low: -0.04, high: 0.02, estimate: -0.01, clipped: false }, -0.02, 'lower'],
    // an impossible accuracy interval is clipped to ±100 pts
    ['accuracy', { effect: 0.1, lower: -1.218, upper: 0.987, limit: 0.02, regime: 'sequential' }, { low: -0.987, high: 1, clipped: true }, -0.02, 'lower'],
    // a relative change cannot fall below −100 %
    ['p95Latency', { effect: -0.5, lower: -1.34, upper: 0.27, limit: 0.1, regime: 'sequential' }, { low: -1, high: 0.27, clipped: true }, 0.1, 'higher'],
    ['errorRate', { effect: 0.001, lower: -0.002, upper: 0.004, limit: 0.005, regime: 'exact' }, { low: -0.002, high: 0.004, clipped: false, regime: 'exact' }, 0.005, 'higher'],
  ] as const)('%s guardrail in SPECS − baseline terms', (name, values, interval, threshold, worseWhen) => {
    const row = guardrailRow(guardrail(name, values));
    expect(row.interval).toMatchObject(interval);
    expect(row.threshold).toBeCloseTo(threshold, 12);
    expect(row.worseWhen).toBe(worseWhen);
    expect(row.insufficient).toBeNull();
  });

  it('says insufficient data, without numbers, where the gate had no interval', () => {
    const row = guardrailRow(guardrail('p95Latency', { limit: 0.1 }, 'pending', 'p95 latency: insufficient data: the p95 interval needs ranks inside each arm'));
    expect(row.interval).toBeNull();
    expect(row.insufficient).toBe('the p95 interval needs ranks inside each arm');
  });

  const checks: GateCheck[] = [
    { name: 'traffic', kind: 'traffic', status: 'pass', message: '', values: { control: 900, treatment: 12 } },
    { name: 'srm', kind: 'integrity', status: 'pass', message: 'ok', values: { pValue: 0.4, threshold: 0.001 } },
    { name: 'duration', kind: 'data', status: 'pending', message: '', values: { durationMs: 20 * 60_000, minDurationMs: 3_600_000 } },
    { name: 'samples', kind: 'data', status: 'pending', message: '', values: { controlGraded: 450, treatmentGraded: 6, minGradedPerArm: 200 } },
    guardrail('accuracy', { effect: 0, lower: -0.5, upper: 0.5, limit: 0.02, regime: 'exact' }),
    { name: 'approval', kind: 'approval', status: 'pass', message: 'not required', values: { required: false, approved: false } },
  ];
  const input = (over: Partial<AssessmentInput>): AssessmentInput => ({
    experiment: 'x', status: 'running', verdict: 'hold', reasons: [], checks, summary: 'Holding: SPECS needs 194 more graded answers at 1 %; nothing is breached.',
    planStage: 0, analysisStage: 3, share: 0.01, stageStartedAt: '2026-12-01T10:00:00.000Z', plan: defaultPlan(), currentStage: 0, now: Date.parse('2026-12-01T10:20:00Z'), ...over,
  });

  it.each([
    ['running', { status: 'running' }, /^Holding: SPECS needs 194 more graded answers at 1 %/, true, ['current', 'upcoming', 'upcoming', 'upcoming', 'upcoming']],
    ['paused', { status: 'paused' }, /^Paused at stage 1 of 5 \(1 %\): the gate does not act until resumed\. It would say: Holding/, false, ['current', 'upcoming', 'upcoming', 'upcoming', 'upcoming']],
    ['not started', { status: 'pending', share: 0 }, /^Not started: SPECS gets 0 %\. Start begins stage 1 of 5 \(1 %\)\.$/, false, ['upcoming', 'upcoming', 'upcoming', 'upcoming', 'upcoming']],
    ['no plan, share set by hand', { status: 'none', share: 0.5, currentStage: null }, /^No rollout yet: SPECS gets 50 % outside any plan\./, false, ['upcoming', 'upcoming', 'upcoming', 'upcoming', 'upcoming']],
    ['shipped', { status: 'completed', share: 1, currentStage: 4 }, /^Shipped: the plan reached its last stage; SPECS gets 100 %\.$/, false, ['done', 'done', 'done', 'done', 'done']],
    [
      'rolled back on a metric',
      { status: 'rolled_back', share: 0, currentStage: 2, lastRollback: { at: '2026-12-01T10:10:00Z', reasons: [{ code: 'GUARDRAIL_BREACHED' as const, metric: 'errorRate', message: 'error rate: worse by at least 3.00 pts, beyond the 0.50 pts limit' }] } },
      /^Rolled back at stage 3 of 5 \(25 %\): SPECS gets 0 % \(error rate: worse by at least 3\.00 pts/,
      false,
      ['done', 'done', 'rolled-back', 'upcoming', 'upcoming'],
    ],
  ] as const)('headline and stages when %s', (_name, over, headline, acting, states) => {
    const a = describeAssessment(input(over as Partial<AssessmentInput>));
    expect(a.headline).toMatch(headline);
    expect(a.acting).toBe(acting);
    expect(a.stages.map((s) => s.state)).toEqual(states);
    expect(a.stages[4]!.ship).toBe(true);
  });

  it('lays out the current stage’s progress from the gate’s own checks', () => {
    const a = describeAssessment(input({}));
    expect(a.stage).toMatchObject({
      number: 1, count: 5, label: 'stage 1 of 5 (1 %)', elapsedMs: 20 * 60_000, remainingMs: 40 * 60_000,
      graded: { baseline: 450, specs: 6 }, remainingGraded: { baseline: 0, specs: 194 },
    });
    expect(a.traffic).toEqual({ baseline: 900, specs: 12 });
    expect(a.srm).toEqual({ status: 'pass', pValue: 0.4, message: 'ok' });
    expect(a.guardrails.map((g) => g.name)).toEqual(['accuracy']);
    expect(a.alpha).toBe(0.05);
  });
});
