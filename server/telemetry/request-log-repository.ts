import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { LATENCY_BUCKET_COUNT, latencyBucketSql } from '../analysis/latency-buckets';
import { COPY_COLUMN_COUNT, encodeCopyRows } from './copy-encoder';
import { aggregateRollup, type RollupDelta } from './rollup-aggregate';
import { fromDbRow, REQUEST_LOG_COLUMNS, type RequestLogRow } from './request-log-row';

/**
 * SQL for the request log: the batched insert used by the writer, the feedback application and
 * the reads the API needs. Tables are unqualified: the pool's search_path selects the schema.
 */

const COLS = REQUEST_LOG_COLUMNS.map(([c]) => c);
// encodeCopyRows writes the fields in this exact order.
if (COLS.length !== COPY_COLUMN_COUNT) throw new Error('request_log columns changed: update copy-encoder.ts');
const COL_LIST = COLS.join(', ');
const STAGE = 'request_log_stage';

// Per-session temp staging table (temp tables are never WAL-logged); emptied at every commit.
const CREATE_STAGE = `CREATE TEMP TABLE IF NOT EXISTS ${STAGE} (LIKE request_log INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;

const COPY_STAGE = `COPY ${STAGE} (${COL_LIST}) FROM STDIN`;

// Pending feedback for rows arriving in this batch is applied before they are inserted, so the
// rollup below counts them as graded once. Latest feedback per request wins.
const APPLY_FEEDBACK_TO_STAGE = `
UPDATE ${STAGE} s SET correct = f.correct, grading_source = 'feedback'
FROM (
  SELECT DISTINCT ON (request_id) request_id, correct FROM feedback
  WHERE NOT applied AND request_id IN (SELECT request_id FROM ${STAGE})
  ORDER BY request_id, id DESC
) f
WHERE s.request_id = f.request_id`;

const ROLLUP_COLS = `experiment, stage, variant, bucket, n, errors, graded, correct, latency_sum, latency_sum_sq,
    cost_sum, cost_sum_sq, graded_cost_sum, graded_cost_sum_sq, cost_correct_sum, draft_tokens, target_tokens, prm_tokens,
    draft_acceptance_sum, draft_acceptance_n, fallbacks, latency_hist`;

const ROLLUP_ON_CONFLICT = `  ON CONFLICT (experiment, stage, variant, bucket) DO UPDATE SET
    n = r.n + EXCLUDED.n,
    errors = r.errors + EXCLUDED.errors,
    graded = r.graded + EXCLUDED.graded,
    correct = r.correct + EXCLUDED.correct,
    latency_sum = r.latency_sum + EXCLUDED.latency_sum,
    latency_sum_sq = r.latency_sum_sq + EXCLUDED.latency_sum_sq,
    cost_sum = r.cost_sum + EXCLUDED.cost_sum,
    cost_sum_sq = r.cost_sum_sq + EXCLUDED.cost_sum_sq,
    graded_cost_sum = r.graded_cost_sum + EXCLUDED.graded_cost_sum,
    graded_cost_sum_sq = r.graded_cost_sum_sq + EXCLUDED.graded_cost_sum_sq,
    cost_correct_sum = r.cost_correct_sum + EXCLUDED.cost_correct_sum,
    draft_tokens = r.draft_tokens + EXCLUDED.draft_tokens,
    target_tokens = r.target_tokens + EXCLUDED.target_tokens,
    prm_tokens = r.prm_tokens + EXCLUDED.prm_tokens,
    draft_acceptance_sum = r.draft_acceptance_sum + EXCLUDED.draft_acceptance_sum,
    draft_acceptance_n = r.draft_acceptance_n + EXCLUDED.draft_acceptance_n,
    fallbacks = r.fallbacks + EXCLUDED.fallbacks,
    latency_hist = int_array_add(r.latency_hist, EXCLUDED.latency_hist)`;

// Rollup increments computed by the writer for a batch that went in by plain COPY (all new).
const UPSERT_ROLLUP_DELTAS = `
INSERT INTO request_rollup AS r (${ROLLUP_COLS})
SELECT experiment, stage, variant, bucket, n, errors, graded, correct, latency_sum, latency_sum_sq,
  cost_sum, cost_sum_sq, graded_cost_sum, graded_cost_sum_sq, cost_correct_sum, draft_tokens, target_tokens, prm_tokens,
  draft_acceptance_sum, draft_acceptance_n, fallbacks, hist::int[]
FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::int[], $7::int[], $8::int[],
  $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::float8[], $15::float8[],
  $16::bigint[], $17::bigint[], $18::bigint[], $19::float8[], $20::int[], $21::int[], $22::text[])
  AS d(experiment, stage, variant, bucket, n, errors, graded, correct, latency_sum, latency_sum_sq,
  cost_sum, cost_sum_sq, graded_cost_sum, graded_cost_sum_sq, cost_correct_sum, draft_tokens, target_tokens, prm_tokens,
  draft_acceptance_sum, draft_acceptance_n, fallbacks, hist)
${ROLLUP_ON_CONFLICT}`;

const COPY_DIRECT = `COPY request_log (${COL_LIST}) FROM STDIN`;

function rollupParams(deltas: RollupDelta[]): unknown[] {
  const col = <K extends keyof RollupDelta>(k: K) => deltas.map((d) => d[k]);
  return [
    col('experiment'), col('stage'), col('variant'), deltas.map((d) => new Date(d.bucketMs).toISOString()),
    col('n'), col('errors'), col('graded'), col('correct'), col('latencySum'), col('latencySumSq'),
    col('costSum'), col('costSumSq'), col('gradedCostSum'), col('gradedCostSumSq'), col('costCorrectSum'),
    col('draftTokens'), col('targetTokens'), col('prmTokens'), col('draftAcceptanceSum'), col('draftAcceptanceN'),
    col('fallbacks'), deltas.map((d) => `{${d.latencyHist.join(',')}}`),
  ];
}

const num = (expr: string) => `COALESCE(${expr}, 0)`;

// Insert (idempotent on request_id) + mark the feedback used + per-minute rollup of the rows that
// were actually inserted, in one statement: a replayed batch adds nothing twice.
const INSERT_AND_ROLLUP = `
WITH ins AS (
  INSERT INTO request_log (${COL_LIST})
  SELECT ${COL_LIST} FROM ${STAGE}
  ON CONFLICT (request_id) DO NOTHING
  RETURNING request_id, experiment, stage, variant, date_trunc('minute', received_at) AS bucket, latency_ms::float8 AS latency,
            cost_usd, correct, status, draft_tokens, target_tokens, prm_tokens, draft_acceptance, target_fallbacks
),
used_feedback AS (
  UPDATE feedback f SET applied = true FROM ins WHERE f.request_id = ins.request_id AND NOT f.applied RETURNING 1
),
agg AS (
  SELECT experiment, stage, variant, bucket,
    count(*)::int AS n,
    count(*) FILTER (WHERE status <> 'ok')::int AS errors,
    count(correct)::int AS graded,
    count(*) FILTER (WHERE correct)::int AS correct,
    sum(latency) AS latency_sum,
    sum(latency * latency) AS latency_sum_sq,
    sum(cost_usd) AS cost_sum,
    sum(cost_usd * cost_usd) AS cost_sum_sq,
    ${num('sum(cost_usd) FILTER (WHERE correct IS NOT NULL)')} AS graded_cost_sum,
    ${num('sum(cost_usd * cost_usd) FILTER (WHERE correct IS NOT NULL)')} AS graded_cost_sum_sq,
    ${num('sum(cost_usd) FILTER (WHERE correct)')} AS cost_correct_sum,
    sum(draft_tokens)::bigint AS draft_tokens,
    sum(target_tokens)::bigint AS target_tokens,
    sum(prm_tokens)::bigint AS prm_tokens,
    ${num('sum(draft_acceptance::float8)')} AS draft_acceptance_sum,
    count(draft_acceptance)::int AS draft_acceptance_n,
    ${num('sum(target_fallbacks)')}::int AS fallbacks
  FROM ins GROUP BY experiment, stage, variant, bucket
),
hist AS (
  SELECT experiment, stage, variant, bucket, int_hist_from_pairs(array_agg(b), array_agg(c), ${LATENCY_BUCKET_COUNT}) AS latency_hist
  FROM (SELECT experiment, stage, variant, bucket, ${latencyBucketSql('latency')} AS b, count(*)::int AS c
        FROM ins GROUP BY 1, 2, 3, 4, 5) per_bucket
  GROUP BY experiment, stage, variant, bucket
),
up AS (
  INSERT INTO request_rollup AS r (${ROLLUP_COLS})
  SELECT a.experiment, a.stage, a.variant, a.bucket, a.n, a.errors, a.graded, a.correct, a.latency_sum, a.latency_sum_sq,
    a.cost_sum, a.cost_sum_sq, a.graded_cost_sum, a.graded_cost_sum_sq, a.cost_correct_sum, a.draft_tokens, a.target_tokens,
    a.prm_tokens, a.draft_acceptance_sum, a.draft_acceptance_n, a.fallbacks, h.latency_hist
  FROM agg a JOIN hist h USING (experiment, stage, variant, bucket)
${ROLLUP_ON_CONFLICT}
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM up)::int AS rollup_rows, (SELECT count(*) FROM used_feedback)::int AS feedback_used`;

/**
 * Applies pending feedback to rows already in request_log (optionally only `requestId`): sets
 * correct/grading_source and moves the rollup's graded/correct/cost sums by the difference
 * between the old and the new label. Row locks make concurrent applications see each other's
 * result, so a label is never counted twice.
 */
const APPLY_PENDING_FEEDBACK = (filter: string) => `
WITH pending AS (
  SELECT DISTINCT ON (request_id) request_id, correct FROM feedback
  WHERE NOT applied ${filter}
  ORDER BY request_id, id DESC
),
old AS (
  SELECT r.request_id, r.experiment, r.stage, r.variant, date_trunc('minute', r.received_at) AS bucket,
         r.correct AS old_correct, p.correct AS new_correct, r.cost_usd
  FROM request_log r JOIN pending p ON p.request_id = r.request_id
  FOR UPDATE OF r
),
upd AS (
  UPDATE request_log r SET correct = old.new_correct, grading_source = 'feedback'
  FROM old WHERE r.request_id = old.request_id RETURNING 1
),
used AS (
  UPDATE feedback f SET applied = true FROM old WHERE f.request_id = old.request_id AND NOT f.applied RETURNING 1
),
delta AS (
  SELECT experiment, stage, variant, bucket,
    count(*) FILTER (WHERE old_correct IS NULL)::int AS d_graded,
    sum(new_correct::int - COALESCE(old_correct::int, 0))::int AS d_correct,
    COALESCE(sum(cost_usd) FILTER (WHERE old_correct IS NULL), 0) AS d_graded_cost,
    COALESCE(sum(cost_usd * cost_usd) FILTER (WHERE old_correct IS NULL), 0) AS d_graded_cost_sq,
    sum(cost_usd * (new_correct::int - COALESCE(old_correct::int, 0))) AS d_cost_correct
  FROM old GROUP BY experiment, stage, variant, bucket
),
roll AS (
  UPDATE request_rollup u SET
    graded = u.graded + d.d_graded,
    correct = u.correct + d.d_correct,
    graded_cost_sum = u.graded_cost_sum + d.d_graded_cost,
    graded_cost_sum_sq = u.graded_cost_sum_sq + d.d_graded_cost_sq,
    cost_correct_sum = u.cost_correct_sum + d.d_cost_correct
  FROM delta d
  WHERE u.experiment = d.experiment AND u.stage = d.stage AND u.variant = d.variant AND u.bucket = d.bucket
  RETURNING 1
)
SELECT (SELECT count(*) FROM old)::int AS applied, (SELECT count(*) FROM upd)::int AS updated, (SELECT count(*) FROM used)::int AS used, (SELECT count(*) FROM roll)::int AS rollups`;

/** COPY text of `rows` as a string (tests, debugging); the writer streams encodeCopyRows' Buffer. */
export function toCopyText(rows: readonly RequestLogRow[]): string {
  return encodeCopyRows(rows).toString('utf8');
}

function copyInto(client: PoolClient, sql: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(data);
  });
}

export interface InsertBatchResult {
  /** Rows newly inserted (duplicates of committed request ids excluded). */
  inserted: number;
  /** Pending feedback rows consumed by the inserted rows. */
  feedbackUsed: number;
}

export interface RequestLogRepository {
  /**
   * One transaction: COPY into the session's staging table, apply pending feedback, insert new
   * rows (ON CONFLICT DO NOTHING), upsert their per-minute rollup; then apply any feedback that
   * raced with an earlier batch.
   */
  insertBatch(rows: readonly RequestLogRow[]): Promise<InsertBatchResult>;
  /** Applies pending feedback to rows already present (all, or one request). Returns rows updated. */
  applyPendingFeedback(requestId?: string, client?: PoolClient): Promise<number>;
  /** Records a label, applied at once if the row exists, else left pending for the writer. */
  recordFeedback(requestId: string, correct: boolean): Promise<{ applied: boolean }>;
  findByRequestId(requestId: string): Promise<RequestLogRow | null>;
  countPendingFeedback(): Promise<number>;
}

export function createRequestLogRepository(options: { pool: Pool }): RequestLogRepository {
  const { pool } = options;

  const inTransaction = async <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    // A connection dropped while checked out emits 'error' on the client: without a listener
    // that would crash the process instead of failing this transaction.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // A connection that failed mid-COPY may be unusable: destroy rather than reuse it.
      client.removeListener('error', onError);
      client.release(broken ? true : undefined);
    }
  };

  const applyPendingFeedback = async (requestId?: string, client?: PoolClient): Promise<number> => {
    const q = client ?? pool;
    const res = requestId
      ? await q.query<{ applied: number }>(APPLY_PENDING_FEEDBACK('AND request_id = $1'), [requestId])
      : await q.query<{ applied: number }>(APPLY_PENDING_FEEDBACK(''));
    return res.rows[0]?.applied ?? 0;
  };

  return {
    insertBatch: (rows) =>
      inTransaction(async (client) => {
        const data = encodeCopyRows(rows);
        // Fast path: the batch is usually all new, so COPY it straight into request_log and add its
        // rollup (computed here) and pending feedback. A duplicate request id (a replay, a retry
        // whose commit was lost) makes the COPY fail: fall back to staging + ON CONFLICT DO NOTHING.
        await client.query('SAVEPOINT direct_copy');
        let direct = true;
        try {
          await copyInto(client, COPY_DIRECT, data);
        } catch (err) {
          if ((err as { code?: string }).code !== '23505') throw err;
          direct = false;
          await client.query('ROLLBACK TO SAVEPOINT direct_copy');
        }
        if (direct) {
          await client.query(UPSERT_ROLLUP_DELTAS, rollupParams(aggregateRollup(rows)));
          const ids = rows.map((r) => r.requestId);
          const fb = await client.query<{ applied: number }>(APPLY_PENDING_FEEDBACK('AND request_id = ANY($1::text[])'), [ids]);
          return { inserted: rows.length, feedbackUsed: fb.rows[0]?.applied ?? 0 };
        }
        await client.query(CREATE_STAGE);
        await copyInto(client, COPY_STAGE, data);
        await client.query(APPLY_FEEDBACK_TO_STAGE);
        const res = await client.query<{ inserted: number; feedback_used: number }>(INSERT_AND_ROLLUP);
        return { inserted: res.rows[0]?.inserted ?? 0, feedbackUsed: res.rows[0]?.feedback_used ?? 0 };
      }),

    applyPendingFeedback,

    recordFeedback: (requestId, correct) =>
      inTransaction(async (client) => {
        await client.query('INSERT INTO feedback (request_id, correct) VALUES ($1, $2)', [requestId, correct]);
        const applied = await applyPendingFeedback(requestId, client);
        return { applied: applied > 0 };
      }),

    findByRequestId: async (requestId) => {
      const res = await pool.query(`SELECT ${COL_LIST} FROM request_log WHERE request_id = $1`, [requestId]);
      return res.rows[0] ? fromDbRow(res.rows[0]) : null;
    },

    countPendingFeedback: async () => {
      const res = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM feedback WHERE NOT applied');
      return res.rows[0]?.n ?? 0;
    },
  };
}

/** The batch statements, for EXPLAIN and benchmarking. */
export const REQUEST_LOG_BATCH_SQL = Object.freeze({
  createStage: CREATE_STAGE,
  copyStage: COPY_STAGE,
  applyFeedbackToStage: APPLY_FEEDBACK_TO_STAGE,
  insertAndRollup: INSERT_AND_ROLLUP,
});
