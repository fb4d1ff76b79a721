import type { Pool } from 'pg';
import type { RequestLogRow } from '../../server/telemetry/request-log-row';
import { makeRequestLogRow } from '../support/request-log-fixtures';
import { writeRequests } from '../support/seed-requests';

/**
 * Seeds one experiment the way production data looks: request rows written through the
 * writer's repository (so the rollups come from the one code path), share history, a
 * rollout plan and decisions.
 * Deterministic: the same options give the same rows.
 */
export interface SeedOptions {
  key: string;
  name?: string;
  /** Requests per arm. */
  perArm?: number;
  baselineLatencyMs?: number;
  specsLatencyMs?: number;
  baselineAccuracy?: number;
  specsAccuracy?: number;
  baselineCostUsd?: number;
  specsCostUsd?: number;
  specsShare?: number;
  /** Rollout plan status ('pending' seeds no decisions), or null for no plan. */
  rollout?: 'pending' | 'running' | null;
  now?: number;
}

export const TEST_PLAN_STAGES = [
  { share: 0.05, minDurationMs: 0, minGradedPerArm: 10, requiresApproval: false },
  { share: 0.25, minDurationMs: 0, minGradedPerArm: 10, requiresApproval: true },
  { share: 1, minDurationMs: 0, minGradedPerArm: 10, requiresApproval: false },
];
export const TEST_GUARDRAILS = { p95LatencyMaxIncreasePct: 10, accuracyNonInferiorityPts: 2, costMaxIncreasePct: 10, errorRateMaxIncreasePts: 0.5, alpha: 0.05 };

export async function seedExperiment(pool: Pool, o: SeedOptions): Promise<{ experimentId: string }> {
  const now = o.now ?? Date.now();
  const perArm = o.perArm ?? 400;
  const share = o.specsShare ?? 0.5;
  const exp = await pool.query(
    `INSERT INTO experiment (id, key, name, status, specs_share, hash_seed, updated_at)
     VALUES (gen_random_uuid(), $1, $2, 'running', $3, $1, now()) RETURNING id`,
    [o.key, o.name ?? o.key, share],
  );
  const experimentId: string = exp.rows[0].id;
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
  await pool.query(`INSERT INTO variant (id, experiment_id, key, strategy, params) VALUES
    (gen_random_uuid(), $1, 'baseline', 'beam', '{}'), (gen_random_uuid(), $1, 'specs', 'specs', '{}')`, [experimentId]);
  await pool.query(`INSERT INTO share_history (experiment_id, at, specs_share, stage, reason) VALUES ($1, $2, $3, 0, 'experiment created')`,
    [experimentId, at(125), share]);

  const rows: RequestLogRow[] = [];
  for (const variant of ['baseline', 'specs'] as const) {
    const base = variant === 'specs' ? o.specsLatencyMs ?? 140 : o.baselineLatencyMs ?? 200;
    const acc = variant === 'specs' ? o.specsAccuracy ?? 0.8 : o.baselineAccuracy ?? 0.8;
    const cost = variant === 'specs' ? o.specsCostUsd ?? 0.0004 : o.baselineCostUsd ?? 0.0006;
    for (let i = 0; i < perArm; i++) {
      const u = ((i * 0.6180339887) % 1 + (variant === 'specs' ? 0.37 : 0)) % 1;
      const latency = base * (0.7 + 0.6 * u) + (i % 23 === 0 ? base : 0);
      const correct = (i * 0.7548776662) % 1 < acc;
      rows.push(
        makeRequestLogRow(i, {
          requestId: `${o.key}-${variant}-${i}`,
          experiment: o.key,
          variant,
          strategy: variant === 'specs' ? 'specs' : 'beam-target',
          unitHash: (i * 2654435761 >>> 0).toString(16).padStart(8, '0'),
          receivedAt: at(120 - (120 * i) / perArm),
          latencyMs: latency,
          costUsd: cost * (0.8 + 0.4 * u),
          correct,
          gradingSource: 'reference',
          draftAcceptance: variant === 'specs' ? 0.6 + 0.3 * u : null,
          targetFallbacks: null,
          draftTokens: variant === 'specs' ? 40 : 0,
          targetTokens: 120,
          prmTokens: 30,
          status: 'ok',
          error: null,
          stage: 0,
        }),
      );
    }
  }
  await writeRequests(pool, rows);

  if (o.rollout !== null && o.rollout !== undefined) {
    await pool.query(
      `INSERT INTO rollout_plan (id, experiment_id, stages, guardrails, success, status, current_stage, stage_started_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, '{"metrics":[],"require":"all"}', $4, 0, $5, now())`,
      [experimentId, JSON.stringify(TEST_PLAN_STAGES), JSON.stringify(TEST_GUARDRAILS), o.rollout, o.rollout === 'running' ? at(120) : null],
    );
    if (o.rollout === 'running') {
      await pool.query(`INSERT INTO rollout_decision (experiment_id, at, stage, verdict, actor, reasons, metrics) VALUES
        ($1, $2, 0, 'start', 'admin', '[]', '{}'),
        ($1, $3, 0, 'hold', 'gate', '[{"code":"INSUFFICIENT_DATA","message":"need more graded requests per arm"}]', '{}')`,
        [experimentId, at(120), at(60)]);
    }
  }
  return { experimentId };
}
