import type { Pool } from 'pg';
import { LATENCY_BUCKET_COUNT, latencyBucketSql } from '../../server/analysis/latency-buckets';

/**
 * Rollup rows recomputed from request_log vs request_rollup, as comparable objects (floats
 * rounded). Tests assert the two are equal.
 */
export async function rollupVsLog(pool: Pool): Promise<{ fromLog: unknown[]; rollup: unknown[] }> {
  const r = (x: string) => `round((${x})::numeric, 6)::float8`;
  const fromLog = await pool.query(`
    WITH l AS (SELECT *, date_trunc('minute', received_at) AS bucket, ${latencyBucketSql('latency_ms')} AS b FROM request_log),
    h AS (SELECT experiment, stage, variant, bucket, int_hist_from_pairs(array_agg(b), array_agg(c), ${LATENCY_BUCKET_COUNT}) AS hist
          FROM (SELECT experiment, stage, variant, bucket, b, count(*)::int AS c FROM l GROUP BY 1,2,3,4,5) x GROUP BY 1,2,3,4)
    SELECT l.experiment, l.stage, l.variant, l.bucket, count(*)::int AS n,
      count(*) FILTER (WHERE status <> 'ok')::int AS errors, count(correct)::int AS graded,
      count(*) FILTER (WHERE correct)::int AS correct,
      ${r('sum(latency_ms::float8)')} AS latency_sum, ${r('sum(latency_ms::float8 ^ 2)')} AS latency_sum_sq,
      ${r('sum(cost_usd) * 1e6')} AS cost_sum_micro, ${r('coalesce(sum(cost_usd) FILTER (WHERE correct IS NOT NULL), 0) * 1e6')} AS graded_cost_micro,
      ${r('coalesce(sum(cost_usd) FILTER (WHERE correct), 0) * 1e6')} AS cost_correct_micro,
      sum(draft_tokens)::text AS draft_tokens, sum(target_tokens)::text AS target_tokens, sum(prm_tokens)::text AS prm_tokens,
      count(draft_acceptance)::int AS draft_acceptance_n, ${r('coalesce(sum(draft_acceptance::float8), 0)')} AS draft_acceptance_sum,
      coalesce(sum(target_fallbacks), 0)::int AS fallbacks, h.hist
    FROM l JOIN h USING (experiment, stage, variant, bucket)
    GROUP BY l.experiment, l.stage, l.variant, l.bucket, h.hist ORDER BY 1, 2, 3, 4`);
  const rollup = await pool.query(`
    SELECT experiment, stage, variant, bucket, n, errors, graded, correct,
      ${r('latency_sum')} AS latency_sum, ${r('latency_sum_sq')} AS latency_sum_sq,
      ${r('cost_sum * 1e6')} AS cost_sum_micro, ${r('graded_cost_sum * 1e6')} AS graded_cost_micro,
      ${r('cost_correct_sum * 1e6')} AS cost_correct_micro,
      draft_tokens::text, target_tokens::text, prm_tokens::text, draft_acceptance_n, ${r('draft_acceptance_sum')} AS draft_acceptance_sum,
      fallbacks, latency_hist AS hist
    FROM request_rollup ORDER BY 1, 2, 3, 4`);
  return { fromLog: fromLog.rows, rollup: rollup.rows };
}

export async function countRows(pool: Pool, table = 'request_log'): Promise<number> {
  const res = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return res.rows[0]!.n;
}
