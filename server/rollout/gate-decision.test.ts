import { createRng } from '../analysis/stats';
import { decideGate, type ArmSummary, type GateInput, type ReasonCode, type Verdict } from './gate-decision';

interface ArmProfile {
  n: number;
  graded?: number;
  accuracy: number;
  /** Median latency (ms); latencies are log-normal with σ = 0.4. */
  latencyScale: number;
  costMean: number;
  seed: number;
  latencyAs?: 'samples' | 'histogram' | 'none';
  /** Share of requests that fail (errors); they stay out of the latency distribution. */
  errorRate?: number;
}

const BUCKETS = Array.from({ length: 61 }, (_, i) => i * 50); // 0…3000 ms edges

function arm(p: ArmProfile): ArmSummary {
  const rng = createRng(p.seed);
  const graded = p.graded ?? p.n;
  const samples = Array.from({ length: p.n }, () => p.latencyScale * Math.exp(0.4 * rng.normal()));
  const sum = samples.reduce((a, b) => a + b, 0);
  const sumSquares = samples.reduce((a, b) => a + b * b, 0);
  const counts = new Array<number>(BUCKETS.length - 1).fill(0);
  for (const x of samples) counts[Math.min(counts.length - 1, Math.floor(x / 50))]! += 1;
  const costSd = 0.3 * p.costMean;
  return {
    n: p.n,
    failures: Math.round(p.n * (p.errorRate ?? 0)),
    graded,
    correct: Math.round(graded * p.accuracy),
    latency: {
      n: p.n,
      sum,
      sumSquares,
      ...(p.latencyAs === 'histogram' ? { histogram: { bounds: BUCKETS, counts } } : p.latencyAs === 'none' ? {} : { samples }),
    },
    cost: { n: p.n, sum: p.n * p.costMean, sumSquares: p.n * (p.costMean ** 2 + costSd ** 2) },
  };
}

const HOUR = 3_600_000;
const control: ArmProfile = { n: 10_000, accuracy: 0.8, latencyScale: 1000, costMean: 1, seed: 1 };
const fasterSpecs: ArmProfile = { n: 10_000, accuracy: 0.8, latencyScale: 700, costMean: 0.8, seed: 2 };

function input(over: {
  control?: Partial<ArmProfile>;
  treatment?: Partial<ArmProfile>;
  stage?: Partial<GateInput['stage']>;
  facts?: Partial<GateInput['facts']>;
  success?: GateInput['success'];
  weights?: GateInput['weights'];
}): GateInput {
  return {
    stage: { minDurationMs: 24 * HOUR, minGradedPerArm: 1000, requiresApproval: false, ...over.stage },
    facts: { startedAt: 0, now: 48 * HOUR, approved: false, ...over.facts },
    arms: { control: arm({ ...control, ...over.control }), treatment: arm({ ...fasterSpecs, ...over.treatment }) },
    weights: over.weights ?? { control: 50, treatment: 50 },
    guardrails: { p95LatencyMaxIncreasePct: 10, accuracyNonInferiorityPts: 3, costMaxIncreasePct: 10, errorRateMaxIncreasePts: 0.5, alpha: 0.05 },
    success: over.success ?? { metrics: ['latencyMean'], require: 'all' },
  };
}

describe('decideGate', () => {
  it.each<[string, GateInput, Verdict, ReasonCode, string | null]>([
    ['as accurate and faster → advance', input({}), 'advance', 'ALL_CRITERIA_MET', null],
    ['as accurate and faster, latency from histograms → advance', input({ control: { latencyAs: 'histogram' }, treatment: { latencyAs: 'histogram' } }), 'advance', 'ALL_CRITERIA_MET', null],
    ['10 points less accurate → rollback', input({ treatment: { accuracy: 0.7 } }), 'rollback', 'GUARDRAIL_BREACHED', 'accuracy'],
    ['40 points less accurate on few samples → rollback before the minimum sample', input({ control: { n: 150 }, treatment: { n: 150, accuracy: 0.4 } }), 'rollback', 'GUARDRAIL_BREACHED', 'accuracy'],
    ['p95 latency 40 % higher → rollback', input({ treatment: { latencyScale: 1400 }, success: { metrics: [], require: 'all' } }), 'rollback', 'GUARDRAIL_BREACHED', 'p95Latency'],
    ['cost 50 % higher → rollback', input({ treatment: { costMean: 1.5 } }), 'rollback', 'GUARDRAIL_BREACHED', 'cost'],
    ['broken split (10 000 vs 9 000 on 50/50), nothing breached → hold SRM', input({ treatment: { n: 9000 } }), 'hold', 'SRM', null],
    ['no traffic → hold', input({ control: { n: 0 }, treatment: { n: 0 } }), 'hold', 'NO_TRAFFIC', null],
    ['too few graded samples → hold', input({ control: { graded: 300 }, treatment: { graded: 300 } }), 'hold', 'INSUFFICIENT_DATA', 'samples'],
    ['stage too young → hold', input({ facts: { now: 2 * HOUR } }), 'hold', 'INSUFFICIENT_DATA', 'duration'],
    ['awaiting approval → hold', input({ stage: { requiresApproval: true } }), 'hold', 'AWAITING_APPROVAL', null],
    ['approved → advance', input({ stage: { requiresApproval: true }, facts: { approved: true } }), 'advance', 'ALL_CRITERIA_MET', null],
    ['no latency distribution → hold, never advance on missing data', input({ control: { latencyAs: 'none' }, treatment: { latencyAs: 'none' } }), 'hold', 'GUARDRAIL_INCONCLUSIVE', 'p95Latency'],
    ['same speed → hold, success not met', input({ treatment: { latencyScale: 1000 } }), 'hold', 'SUCCESS_NOT_MET', 'latencyMean'],
    ['accuracy 2.5 points lower with 3-point margin → inconclusive hold', input({ treatment: { accuracy: 0.775 } }), 'hold', 'GUARDRAIL_INCONCLUSIVE', 'accuracy'],
    // The defects the A/A simulation found, each as a vector.
    [
      'A/A at 1 %: control 38/150 correct, SPECS 0/2 → hold (an arm with zero variance is not exact knowledge)',
      input({ control: { n: 150, accuracy: 38 / 150 }, treatment: { n: 2, accuracy: 0 }, facts: { now: 5 * 60_000 }, weights: { control: 99, treatment: 1 } }),
      'hold',
      'INSUFFICIENT_DATA',
      'samples',
    ],
    [
      'SPECS failing 20 % of requests fast → rollback on the error rate',
      input({ treatment: { errorRate: 0.2 } }),
      'rollback',
      'GUARDRAIL_BREACHED',
      'errorRate',
    ],
    [
      'SPECS failing 20 % of 60 requests before the minimum → rollback (exact bound)',
      input({ control: { n: 3000 }, treatment: { n: 60, errorRate: 0.2 }, facts: { now: 10 * 60_000 }, weights: { control: 98, treatment: 2 } }),
      'rollback',
      'GUARDRAIL_BREACHED',
      'errorRate',
    ],
    [
      'broken split and 10 points less accurate → rollback (a breach outranks SRM)',
      input({ treatment: { n: 9000, accuracy: 0.7 } }),
      'rollback',
      'GUARDRAIL_BREACHED',
      'accuracy',
    ],
    [
      'p95 with 10 requests per arm → p95 insufficient, never a verdict on it',
      input({ control: { n: 10 }, treatment: { n: 10, latencyScale: 3000 }, facts: { now: 10 * 60_000 } }),
      'hold',
      'GUARDRAIL_INCONCLUSIVE',
      'p95Latency',
    ],
    [
      'p95 40 % higher before the minimum → hold (no exact test for latency)',
      input({ control: { n: 500 }, treatment: { n: 500, latencyScale: 1400 }, facts: { now: HOUR }, success: { metrics: [], require: 'all' } }),
      'hold',
      'INSUFFICIENT_DATA',
      'duration',
    ],
  ])('%s', (_name, gateInput, verdict, code, metric) => {
    const d = decideGate(gateInput);
    expect(d.verdict).toBe(verdict);
    const reason = d.reasons.find((r) => r.code === code);
    expect(reason).toBeDefined();
    if (metric) expect(d.reasons.some((r) => r.code === code && r.metric === metric)).toBe(true);
    expect(d.checks.length).toBeGreaterThan(0);
    expect(JSON.stringify(d)).not.toMatch(/NaN/);
  });

  it('the p95 check says insufficient data at n = 10 instead of an interval', () => {
    const d = decideGate(input({ control: { n: 10 }, treatment: { n: 10 } }));
    const p95 = d.checks.find((c) => c.name === 'p95Latency')!;
    expect(p95.status).toBe('pending');
    expect(p95.message).toMatch(/insufficient data/);
  });

  it.each([
    ['a longer minimum duration', { stage: { minDurationMs: 96 * HOUR } }, {}],
    ['a tighter cost limit', {}, { costMaxIncreasePct: 1 }],
  ] as const)('tunes the confidence sequence to the sample size expected at decision time: %s means a later decision', (_name, over, guard) => {
    const tuning = (i: GateInput) => decideGate(i).checks.find((c) => c.name === 'cost')!.values.tuning as number;
    const base = input({});
    const later = input(over);
    later.guardrails = { ...later.guardrails, ...guard };
    expect(tuning(base)).toBeGreaterThanOrEqual(100);
    expect(tuning(later)).toBeGreaterThan(1.5 * tuning(base));
  });

  it('a design effect widens the interval', () => {
    const plain = decideGate(input({ treatment: { accuracy: 0.79 } })).checks.find((c) => c.name === 'accuracy')!;
    const clustered = decideGate({ ...input({ treatment: { accuracy: 0.79 } }), designEffects: { accuracy: 4 } }).checks.find((c) => c.name === 'accuracy')!;
    const width = (c: typeof plain) => (c.values.upper as number) - (c.values.lower as number);
    expect(width(clustered)).toBeCloseTo(2 * width(plain), 6);
  });

  it('accuracy at 100 % in both arms is still judged (Agresti–Caffo), not left pending', () => {
    const d = decideGate(input({ control: { accuracy: 1 }, treatment: { accuracy: 1 } }));
    expect(d.checks.find((c) => c.name === 'accuracy')?.status).toBe('pass');
    expect(d.verdict).toBe('advance');
  });
  it('never words an impossible interval, though its raw bounds may be (a handful of requests per arm)', () => {
    const d = decideGate(input({ control: { n: 12, graded: 12 }, treatment: { n: 12, graded: 12 }, stage: { minDurationMs: 0, minGradedPerArm: 0 } }));
    const numbers = (m: string) => [...m.matchAll(/(-?\d+(?:\.\d+)?)(%| pts)/g)].map((x) => ({ v: Number(x[1]), unit: x[2] }));
    for (const c of d.checks.filter((k) => k.kind === 'guardrail')) {
      // The raw bounds may be wider than possible (they are what the decision uses)…
      for (const { v, unit } of numbers(c.message)) {
        // …but the words stay within ±100 pts and above −100 %.
        expect(v).toBeGreaterThanOrEqual(-100);
        if (unit === ' pts') expect(v).toBeLessThanOrEqual(100);
      }
    }
    const lowers = d.checks.filter((k) => k.kind === 'guardrail').map((k) => k.values.lower as number | undefined).filter((x): x is number => typeof x === 'number');
    expect(Math.min(...lowers)).toBeLessThan(-1);
  });
});
