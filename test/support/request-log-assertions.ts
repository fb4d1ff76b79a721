import type { Pool } from 'pg';
import { LATENCY_BUCKET_COUNT, latencyBucketSql } from '../../server/analysis/latency-buckets';
import { OUTCOME_SQL } from '../../server/analysis/outcome';
import { UNIT_BUCKETS } from '../../server/analysis/rollup-sums';

/** Float sums agree when within this relative distance: the two paths add in different orders. */
const RELATIVE_TOLERANCE = 1e-9;

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

/**
 * Where two lists of aggregate rows differ ("row 3 latency_sum_sq: 6068583.29 vs 6068583.31"),
 * floats compared within a relative tolerance (rounding both to fixed decimals would still
 * flip at a rounding boundary); empty when they agree.
 */
export function aggregateMismatches(actual: readonly unknown[], expected: readonly unknown[]): string[] {
  if (actual.length !== expected.length) return [`${actual.length} rows vs ${expected.length} expected`];
  return actual.flatMap((row, i) => {
    const a = row as Record<string, unknown>;
    const e = expected[i] as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(e)])];
    return keys.filter((k) => !sameValue(a[k], e[k])).map((k) => `row ${i} ${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(e[k])} expected`);
  });
}

/**
 * Rollup rows recomputed from request_log in SQL (with the outcome model's SQL rules) vs
 * request_rollup and request_unit_rollup, and where they differ. Tests assert they do not:
 * the writer's TypeScript path and SQL agree on every field.
 */
export async function rollupVsLog(pool: Pool): Promise<{ fromLog: unknown[]; rollup: unknown[]; unitsFromLog: unknown[]; units: unknown[]; mismatches: string[] }> {
  const r = (x: string) => `round((${x})::numeric, 6)::float8`;
  const timed = OUTCOME_SQL.inLatency;
  const fromLog = await pool.query(`
    WITH l AS (SELECT *, date_trunc('minute', received_at) AS bucket, ${latencyBucketSql('latency_ms')} AS b FROM request_log),
    h AS (SELECT experiment, stage, variant, bucket, int_hist_from_pairs(array_agg(b), array_agg(c), ${LATENCY_BUCKET_COUNT}) AS hist
          FROM (SELECT experiment, stage, variant, bucket, b, count(*)::int AS c FROM l WHERE ${timed} GROUP BY 1,2,3,4,5) x GROUP BY 1,2,3,4)
    SELECT l.experiment, l.stage, l.variant, l.bucket, count(*)::int AS n,
      count(*) FILTER (WHERE status = 'error')::int AS errors, count(*) FILTER (WHERE status = 'timeout')::int AS timeouts,
      count(*) FILTER (WHERE ${OUTCOME_SQL.graded})::int AS graded, count(*) FILTER (WHERE ${OUTCOME_SQL.correct})::int AS correct,
      count(*) FILTER (WHERE ${timed})::int AS latency_n,
      ${r(`coalesce(sum(latency_ms::float8) FILTER (WHERE ${timed}), 0)`)} AS latency_sum,
      ${r(`coalesce(sum(latency_ms::float8 ^ 2) FILTER (WHERE ${timed}), 0)`)} AS latency_sum_sq,
      ${r('sum(cost_usd) * 1e6')} AS cost_sum_micro, ${r(`coalesce(sum(cost_usd) FILTER (WHERE ${OUTCOME_SQL.graded}), 0) * 1e6`)} AS graded_cost_micro,
      ${r(`coalesce(sum(cost_usd) FILTER (WHERE ${OUTCOME_SQL.correct}), 0) * 1e6`)} AS cost_correct_micro,
      sum(draft_tokens)::text AS draft_tokens, sum(target_tokens)::text AS target_tokens, sum(prm_tokens)::text AS prm_tokens,
      count(draft_acceptance)::int AS draft_acceptance_n, ${r('coalesce(sum(draft_acceptance::float8), 0)')} AS draft_acceptance_sum,
      coalesce(sum(target_fallbacks), 0)::int AS fallbacks, coalesce(h.hist, array_fill(0, ARRAY[${LATENCY_BUCKET_COUNT}])) AS hist
    FROM l LEFT JOIN h USING (experiment, stage, variant, bucket)
    GROUP BY l.experiment, l.stage, l.variant, l.bucket, h.hist ORDER BY 1, 2, 3, 4`);
  const rollup = await pool.query(`
    SELECT experiment, stage, variant, bucket, n, errors, timeouts, graded, correct, latency_n,
      ${r('latency_sum')} AS latency_sum, ${r('latency_sum_sq')} AS latency_sum_sq,
      ${r('cost_sum * 1e6')} AS cost_sum_micro, ${r('graded_cost_sum * 1e6')} AS graded_cost_micro,
      ${r('cost_correct_sum * 1e6')} AS cost_correct_micro,
      draft_tokens::text, target_tokens::text, prm_tokens::text, draft_acceptance_n, ${r('draft_acceptance_sum')} AS draft_acceptance_sum,
      fallbacks, latency_hist AS hist
    FROM request_rollup WHERE n <> 0 ORDER BY 1, 2, 3, 4`);
  const unitsFromLog = await pool.query(`
    SELECT experiment, stage, variant, ('x' || right(unit_hash, 8))::bit(32)::bigint % ${UNIT_BUCKETS} AS unit_bucket, count(*)::int AS n,
      count(*) FILTER (WHERE ${OUTCOME_SQL.correct})::int AS correct, count(*) FILTER (WHERE ${timed})::int AS latency_n,
      ${r('sum(cost_usd) * 1e6')} AS cost_micro
    FROM request_log GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`);
  const units = await pool.query(`
    SELECT experiment, stage, variant, unit_bucket::bigint AS unit_bucket, n, correct, latency_n, ${r('cost_sum * 1e6')} AS cost_micro
    FROM request_unit_rollup WHERE n <> 0 ORDER BY 1, 2, 3, 4`);
  return {
    fromLog: fromLog.rows,
    rollup: rollup.rows,
    unitsFromLog: unitsFromLog.rows,
    units: units.rows,
    mismatches: [...aggregateMismatches(rollup.rows, fromLog.rows), ...aggregateMismatches(units.rows, unitsFromLog.rows).map((m) => `units ${m}`)],
  };
}

export async function countRows(pool: Pool, table = 'request_log'): Promise<number> {
  const res = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return res.rows[0]!.n;
}
