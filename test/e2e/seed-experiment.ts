import type { Pool } from 'pg';
import { LATENCY_BUCKET_COUNT, latencyBucketSql } from '../../server/analysis/latency-buckets';

/**
 * Seeds one experiment the way production data looks: request_log rows, the
 * per-minute request_rollup the KPI service reads (aggregated from those rows in
 * SQL, as the writer maintains it), share history, a rollout plan and decisions.
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
export const TEST_GUARDRAILS = { p95LatencyMaxIncreasePct: 10, accuracyNonInferiorityPts: 2, costMaxIncreasePct: 10, alpha: 0.05 };

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

  const rows: unknown[][] = [];
  for (const variant of ['baseline', 'specs'] as const) {
    const base = variant === 'specs' ? o.specsLatencyMs ?? 140 : o.baselineLatencyMs ?? 200;
    const acc = variant === 'specs' ? o.specsAccuracy ?? 0.8 : o.baselineAccuracy ?? 0.8;
    const cost = variant === 'specs' ? o.specsCostUsd ?? 0.0004 : o.baselineCostUsd ?? 0.0006;
    for (let i = 0; i < perArm; i++) {
      const u = ((i * 0.6180339887) % 1 + (variant === 'specs' ? 0.37 : 0)) % 1;
      const latency = base * (0.7 + 0.6 * u) + (i % 23 === 0 ? base : 0);
      const correct = (i * 0.7548776662) % 1 < acc;
      rows.push([`${o.key}-${variant}-${i}`, o.key, variant, variant === 'specs' ? 'specs' : 'beam', `u${i}`, at(120 - (120 * i) / perArm), latency,
        cost * (0.8 + 0.4 * u), correct, variant === 'specs' ? 0.6 + 0.3 * u : null, variant === 'specs' ? 40 : 0, 120, 30]);
    }
  }
  const cols = 13;
  for (let i = 0; i < rows.length; i += 300) {
    const chunk = rows.slice(i, i + 300);
    const values = chunk.map((_, r) => `(${Array.from({ length: cols }, (__, c) => `$${r * cols + c + 1}`).join(', ')}, 0, 'reference', 'ok')`).join(', ');
    await pool.query(
      `INSERT INTO request_log (request_id, experiment, variant, strategy, unit_hash, received_at, latency_ms, cost_usd, correct, draft_acceptance,
         draft_tokens, target_tokens, prm_tokens, stage, grading_source, status) VALUES ${values}`,
      chunk.flat(),
    );
  }
  await rebuildRollup(pool, o.key);

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

/** request_rollup for one experiment, from its request_log rows. */
export async function rebuildRollup(pool: Pool, key: string): Promise<void> {
  await pool.query(`DELETE FROM request_rollup WHERE experiment = $1`, [key]);
  await pool.query(
    `INSERT INTO request_rollup (experiment, stage, variant, bucket, n, errors, graded, correct, latency_sum, latency_sum_sq,
       cost_sum, cost_sum_sq, graded_cost_sum, graded_cost_sum_sq, cost_correct_sum, draft_tokens, target_tokens, prm_tokens,
       draft_acceptance_sum, draft_acceptance_n, fallbacks, latency_hist)
     SELECT experiment, stage, variant, date_trunc('minute', received_at),
       count(*), count(*) FILTER (WHERE status <> 'ok'), count(correct), count(*) FILTER (WHERE correct),
       sum(latency_ms), sum(latency_ms::float8 ^ 2), sum(cost_usd), sum(cost_usd ^ 2),
       coalesce(sum(cost_usd) FILTER (WHERE correct IS NOT NULL), 0), coalesce(sum(cost_usd ^ 2) FILTER (WHERE correct IS NOT NULL), 0),
       coalesce(sum(cost_usd) FILTER (WHERE correct), 0),
       sum(draft_tokens), sum(target_tokens), sum(prm_tokens),
       coalesce(sum(draft_acceptance), 0), count(draft_acceptance), coalesce(sum(target_fallbacks), 0),
       int_hist_from_pairs(array_agg(${latencyBucketSql('latency_ms')}), array_agg(1), ${LATENCY_BUCKET_COUNT})
     FROM request_log WHERE experiment = $1
     GROUP BY 1, 2, 3, 4`,
    [key],
  );
}
