/**
 * Scenario traffic for the KPI and rollout integration tests: a few real
 * decodes per variant give the latency/token/cost shapes, then per-minute
 * rollup rows are generated for volume following a scenario (accuracy,
 * latency and cost multipliers, split). Seeded, so every run sees the same data.
 */
import '../../server/decoding/testing/register-host-typed-arrays';
import path from 'node:path';
import type pg from 'pg';
import { latencyHistogram, LATENCY_BUCKET_COUNT } from '../../server/analysis/latency-buckets';
import { createDecoder } from '../../server/decoding';
import { generateProblems } from '../../server/task';
import { computeCostUsd, createPriceTable } from '../../server/telemetry/pricing';

export const MODELS_DIR = path.resolve(__dirname, '../../models');

export interface ArmShape {
  /** Median end-to-end latency, ms. */
  latencyMs: number;
  costUsd: number;
  tokens: { draft: number; target: number; prm: number };
  draftAcceptance: number | null;
}

export interface MeasuredShapes {
  baseline: ArmShape;
  specs: ArmShape;
  /** Correct answers among the real decodes (the provisional models may get few right). */
  realCorrect: { baseline: number; specs: number };
  samples: number;
  /** 'real': measured on models/; 'stand-in': models/ could not be loaded (e.g. a training run is rewriting it). */
  source: 'real' | 'stand-in';
  loadError?: string;
}

/** Typical shapes of the two strategies on the provisional models, used only when models/ cannot be loaded. */
const STAND_IN: MeasuredShapes = {
  baseline: { latencyMs: 850, costUsd: 6e-5, tokens: { draft: 0, target: 420, prm: 430 }, draftAcceptance: null },
  specs: { latencyMs: 600, costUsd: 4.5e-5, tokens: { draft: 390, target: 150, prm: 410 }, draftAcceptance: 0.7 },
  realCorrect: { baseline: 0, specs: 0 },
  samples: 0,
  source: 'stand-in',
};

/** Decodes `perVariant` real problems with each variant's strategy (beam-target vs SPECS, as DEFAULT_VARIANTS). */
export async function measureRealShapes(perVariant = 2): Promise<MeasuredShapes> {
  // models/ may be rewritten by a training run while tests run: retry a torn read.
  let decoder: Awaited<ReturnType<typeof createDecoder>> | undefined;
  for (let attempt = 1; !decoder; attempt++) {
    try {
      decoder = await createDecoder({ modelsDir: MODELS_DIR, intraOpThreads: 1 });
    } catch (err) {
      if (attempt >= 3) {
        console.warn(`rollout scenarios: models/ not loadable (${(err as Error).message}); using stand-in shapes`);
        return { ...STAND_IN, loadError: (err as Error).message };
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  const prices = createPriceTable({ modelsDir: MODELS_DIR });
  const problems = generateProblems(20260101, perVariant);
  try {
    const measure = async (strategy: 'beam-target' | 'specs') => {
      const shape: ArmShape = { latencyMs: 0, costUsd: 0, tokens: { draft: 0, target: 0, prm: 0 }, draftAcceptance: null };
      let correct = 0;
      let acc = 0;
      let accN = 0;
      for (const p of problems) {
        const r = await decoder.solve(p.question, { strategy, n: 4 });
        shape.latencyMs += r.latencyMs / problems.length;
        const tokens = { draftTokens: r.usage.draft.tokens, targetTokens: r.usage.target.tokens, prmTokens: r.usage.prm.tokens };
        shape.costUsd += computeCostUsd(prices, tokens) / problems.length;
        shape.tokens.draft += tokens.draftTokens / problems.length;
        shape.tokens.target += tokens.targetTokens / problems.length;
        shape.tokens.prm += tokens.prmTokens / problems.length;
        if (r.answer === p.answer) correct += 1;
        if (r.draftAcceptance !== null) {
          acc += r.draftAcceptance;
          accN += 1;
        }
      }
      shape.draftAcceptance = accN > 0 ? acc / accN : null;
      // Guard against a zero-cost or instant decode making relative effects undefined.
      shape.latencyMs = Math.max(shape.latencyMs, 1);
      shape.costUsd = Math.max(shape.costUsd, 1e-9);
      return { shape, correct };
    };
    const b = await measure('beam-target');
    const s = await measure('specs');
    return { baseline: b.shape, specs: s.shape, realCorrect: { baseline: b.correct, specs: s.correct }, samples: problems.length, source: 'real' };
  } finally {
    await decoder.close();
  }
}

export interface ArmProfile {
  accuracy: number;
  gradedFraction: number;
  latencyMedianMs: number;
  /** Log-normal sigma of latency. */
  latencySigma: number;
  costPerRequest: number;
  tokens: { draft: number; target: number; prm: number };
  draftAcceptance: number | null;
  errorRate: number;
}

export interface Scenario {
  baseline: ArmProfile;
  specs: ArmProfile;
}

/** Scenario profiles scaled from the measured shapes: baseline as measured, SPECS with multipliers. */
export function scenarioFrom(shapes: MeasuredShapes, s: { baselineAccuracy: number; specsAccuracy: number; specsLatency: number; specsCost: number }): Scenario {
  const arm = (shape: ArmShape, accuracy: number, latencyMult: number, costMult: number): ArmProfile => ({
    accuracy,
    gradedFraction: 0.9,
    latencyMedianMs: shape.latencyMs * latencyMult,
    latencySigma: 0.35,
    costPerRequest: shape.costUsd * costMult,
    tokens: shape.tokens,
    draftAcceptance: shape.draftAcceptance,
    errorRate: 0.002,
  });
  // SPECS latency and cost are set relative to the baseline so the scenario, not the provisional models, decides the effect.
  return {
    baseline: arm(shapes.baseline, s.baselineAccuracy, 1, 1),
    specs: { ...arm(shapes.specs, s.specsAccuracy, 1, 1), latencyMedianMs: shapes.baseline.latencyMs * s.specsLatency, costPerRequest: shapes.baseline.costUsd * s.specsCost },
  };
}

/** mulberry32: small seeded PRNG. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gaussian = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** Simulated request of one arm (what request_log would hold). */
export interface SimRequest {
  latencyMs: number;
  costUsd: number;
  graded: boolean;
  correct: boolean;
  error: boolean;
  draftTokens: number;
  targetTokens: number;
  prmTokens: number;
  draftAcceptance: number | null;
}

export function simulate(p: ArmProfile, rand: () => number): SimRequest {
  const error = rand() < p.errorRate;
  const graded = !error && rand() < p.gradedFraction;
  const jitter = Math.exp(0.2 * gaussian(rand) - 0.02);
  return {
    latencyMs: p.latencyMedianMs * Math.exp(p.latencySigma * gaussian(rand)),
    costUsd: error ? 0 : p.costPerRequest * jitter,
    graded,
    correct: graded && rand() < p.accuracy,
    error,
    draftTokens: error ? 0 : Math.round(p.tokens.draft * jitter),
    targetTokens: error ? 0 : Math.round(p.tokens.target * jitter),
    prmTokens: error ? 0 : Math.round(p.tokens.prm * jitter),
    draftAcceptance: error || p.draftAcceptance === null ? null : Math.min(1, Math.max(0, p.draftAcceptance + 0.05 * gaussian(rand))),
  };
}

/**
 * Inserts per-minute rollup rows for `minutes` minutes from `start`:
 * `perMinute[variant]` simulated requests each, aggregated exactly as the
 * writer's rollup would be (sums, squares, histogram).
 */
export async function insertRollupTraffic(
  pool: pg.Pool,
  o: { experiment: string; stage: number; start: Date; minutes: number; perMinute: { baseline: number; specs: number }; scenario: Scenario; seed: number },
): Promise<{ baseline: number; specs: number }> {
  const rand = seeded(o.seed);
  const totals = { baseline: 0, specs: 0 };
  const rows: unknown[][] = [];
  for (let m = 0; m < o.minutes; m++) {
    const bucket = new Date(Math.floor(o.start.getTime() / 60_000) * 60_000 + m * 60_000);
    for (const variant of ['baseline', 'specs'] as const) {
      const n = o.perMinute[variant];
      if (n <= 0) continue;
      const reqs = Array.from({ length: n }, () => simulate(o.scenario[variant], rand));
      totals[variant] += n;
      const sum = (f: (r: SimRequest) => number) => reqs.reduce((a, r) => a + f(r), 0);
      const gradedReqs = reqs.filter((r) => r.graded);
      const gsum = (f: (r: SimRequest) => number) => gradedReqs.reduce((a, r) => a + f(r), 0);
      const acc = reqs.filter((r) => r.draftAcceptance !== null);
      const hist = latencyHistogram(reqs.map((r) => r.latencyMs));
      if (hist.length !== LATENCY_BUCKET_COUNT) throw new Error('histogram length');
      rows.push([
        o.experiment, o.stage, variant, bucket, n, reqs.filter((r) => r.error).length, gradedReqs.length, gradedReqs.filter((r) => r.correct).length,
        sum((r) => r.latencyMs), sum((r) => r.latencyMs ** 2), sum((r) => r.costUsd), sum((r) => r.costUsd ** 2),
        gsum((r) => r.costUsd), gsum((r) => r.costUsd ** 2), gsum((r) => (r.correct ? r.costUsd : 0)),
        sum((r) => r.draftTokens), sum((r) => r.targetTokens), sum((r) => r.prmTokens),
        acc.reduce((a, r) => a + r.draftAcceptance!, 0), acc.length, 0, hist,
      ]);
    }
  }
  const COLS = `experiment, stage, variant, bucket, n, errors, graded, correct, latency_sum, latency_sum_sq, cost_sum, cost_sum_sq,
    graded_cost_sum, graded_cost_sum_sq, cost_correct_sum, draft_tokens, target_tokens, prm_tokens, draft_acceptance_sum, draft_acceptance_n, fallbacks, latency_hist`;
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    const values: unknown[] = [];
    const tuples = chunk.map((r) => {
      const base = values.length;
      values.push(...r);
      return `(${r.map((_, j) => `$${base + j + 1}`).join(', ')})`;
    });
    await pool.query(`INSERT INTO request_rollup (${COLS}) VALUES ${tuples.join(', ')}`, values);
  }
  return totals;
}
