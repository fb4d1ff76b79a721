/**
 * Scenario traffic for the KPI and rollout integration tests: a few real
 * decodes per variant give the latency/token/cost shapes, then per-minute
 * rollup rows are generated for volume following a scenario (accuracy,
 * latency and cost multipliers, split). Seeded, so every run sees the same data.
 */
import '../support/register-host-typed-arrays';
import path from 'node:path';
import type pg from 'pg';
import { createRng, type Rng } from '../../server/task/rng';
import type { RequestLogRow } from '../../server/telemetry/request-log-row';
import { writeRequests } from '../support/seed-requests';
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

/** Simulated request of one arm, as the decode processor would log it (outcome.ts rules: a failure spends what it spent). */
export function simulate(p: ArmProfile, rng: Rng, base: Pick<RequestLogRow, 'requestId' | 'experiment' | 'stage' | 'variant' | 'receivedAt'>): RequestLogRow {
  const error = rng.next() < p.errorRate;
  const labelled = rng.next() < p.gradedFraction;
  const jitter = Math.exp(0.2 * rng.normal() - 0.02);
  const spent = error ? 0.5 * jitter : jitter;
  const latencyMs = error ? 5 : p.latencyMedianMs * Math.exp(p.latencySigma * rng.normal());
  const correct = labelled ? !error && rng.next() < p.accuracy : null;
  return {
    ...base,
    strategy: base.variant === 'specs' ? 'specs' : 'beam-target',
    unitHash: (Math.floor(rng.next() * 2 ** 32) >>> 0).toString(16).padStart(8, '0'),
    startedAt: base.receivedAt,
    finishedAt: new Date(base.receivedAt.getTime() + latencyMs),
    queueWaitMs: 0,
    decodeMs: latencyMs,
    latencyMs,
    draftTokens: Math.round(p.tokens.draft * spent),
    targetTokens: Math.round(p.tokens.target * spent),
    prmTokens: Math.round(p.tokens.prm * spent),
    draftMs: 0,
    targetMs: 0,
    prmMs: 0,
    modelCalls: 0,
    targetFallbacks: null,
    draftAcceptance: error || p.draftAcceptance === null ? null : Math.min(1, Math.max(0, p.draftAcceptance + 0.05 * rng.normal())),
    costUsd: p.costPerRequest * spent,
    prmScore: null,
    answer: null,
    reference: labelled ? 1 : null,
    correct,
    gradingSource: labelled ? 'reference' : 'none',
    error: error ? 'simulated failure' : null,
    status: error ? 'error' : 'ok',
  };
}

/**
 * Writes `minutes` minutes of traffic from `start` (`perMinute[variant]` simulated requests
 * each) through the writer's repository, so request_log and the rollups come from one path.
 */
export async function insertTraffic(
  pool: pg.Pool,
  o: { experiment: string; stage: number; start: Date; minutes: number; perMinute: { baseline: number; specs: number }; scenario: Scenario; seed: number },
): Promise<{ baseline: number; specs: number }> {
  const rng = createRng(o.seed);
  const totals = { baseline: 0, specs: 0 };
  const rows: RequestLogRow[] = [];
  for (let m = 0; m < o.minutes; m++) {
    const minute = Math.floor(o.start.getTime() / 60_000) * 60_000 + m * 60_000;
    for (const variant of ['baseline', 'specs'] as const) {
      const n = o.perMinute[variant];
      for (let i = 0; i < n; i++) {
        rows.push(simulate(o.scenario[variant], rng, {
          requestId: `${o.experiment}-${o.stage}-${variant}-${m}-${i}`,
          experiment: o.experiment,
          stage: o.stage,
          variant,
          receivedAt: new Date(minute + Math.floor((60_000 * i) / Math.max(1, n))),
        }));
      }
      totals[variant] += Math.max(0, n);
    }
  }
  await writeRequests(pool, rows);
  return totals;
}
