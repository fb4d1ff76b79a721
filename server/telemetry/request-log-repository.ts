import { withConnection } from '../db/with-connection';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { gradedCorrect } from '../analysis/outcome';
import { encodeCopyRows } from './copy-encoder';
import { aggregateRollup, rollupDeltas } from './rollup-aggregate';
import { createRollupRepository } from './rollup-repository';
import { fromDbRow, REQUEST_LOG_COLUMNS, type RequestLogRow } from './request-log-row';

/**
 * SQL for the request log: the batched insert used by the writer, the application of late
 * labels and the reads the API needs. Rollups move only through rollup-repository, by the
 * deltas rollup-aggregate computes. Tables are unqualified: the pool's search_path selects
 * the schema.
 */

const COLS = REQUEST_LOG_COLUMNS.map(([c]) => c);
const COL_LIST = COLS.join(', ');
const STAGE = 'request_log_stage';

// Per-session temp staging table (temp tables are never WAL-logged); emptied at every commit.
const CREATE_STAGE = `CREATE TEMP TABLE IF NOT EXISTS ${STAGE} (LIKE request_log INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
const COPY_STAGE = `COPY ${STAGE} (${COL_LIST}) FROM STDIN`;
const COPY_DIRECT = `COPY request_log (${COL_LIST}) FROM STDIN`;

// A batch that repeats committed request ids (a replay, a retry whose commit was lost) goes
// through staging, and only the rows actually inserted count toward the rollups.
const INSERT_NEW_FROM_STAGE = `
INSERT INTO request_log (${COL_LIST}) SELECT ${COL_LIST} FROM ${STAGE}
ON CONFLICT (request_id) DO NOTHING RETURNING request_id`;

// Latest pending label per request.
const PENDING_LABELS = `
SELECT DISTINCT ON (request_id) request_id, correct FROM feedback
WHERE NOT applied AND request_id = ANY($1::text[]) ORDER BY request_id, id DESC`;

const MARK_FEEDBACK_APPLIED = `UPDATE feedback SET applied = true WHERE NOT applied AND request_id = ANY($1::text[])`;

// Rows with a pending label, locked so concurrent applications see each other's result.
const LABELLED_ROWS = (filter: string) => `
SELECT ${COLS.map((c) => `r.${c}`).join(', ')}, p.correct AS new_label
FROM request_log r JOIN (
  SELECT DISTINCT ON (request_id) request_id, correct FROM feedback
  WHERE NOT applied ${filter} ORDER BY request_id, id DESC
) p ON p.request_id = r.request_id
FOR UPDATE OF r`;

const SET_LABELS = `
UPDATE request_log r SET correct = x.correct, grading_source = 'feedback'
FROM unnest($1::text[], $2::bool[]) AS x(request_id, correct) WHERE r.request_id = x.request_id`;

/** The row as it stands after a late label (outcome.ts decides what a label means for a failure). */
export function withLabel(row: RequestLogRow, label: boolean): RequestLogRow {
  return { ...row, correct: gradedCorrect(row.status, label), gradingSource: 'feedback' };
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
   * One transaction: pending labels applied to the batch, the rows inserted (duplicates of
   * committed request ids skipped), the rollups moved by the rows actually inserted.
   */
  insertBatch(rows: readonly RequestLogRow[]): Promise<InsertBatchResult>;
  /** Applies pending labels to rows already present (all, or `ids`). Returns rows updated. */
  applyPendingFeedback(ids?: readonly string[], client?: PoolClient): Promise<number>;
  /** Records a label, applied at once if the row exists, else left pending for the writer. */
  recordFeedback(requestId: string, correct: boolean): Promise<{ applied: boolean }>;
  findByRequestId(requestId: string): Promise<RequestLogRow | null>;
  countPendingFeedback(): Promise<number>;
  /** Drops labels still unmatched after `olderThanMs` (their request never arrived). Returns rows dropped. */
  expirePendingFeedback(olderThanMs: number): Promise<number>;
}

export function createRequestLogRepository(options: { pool: Pool }): RequestLogRepository {
  const { pool } = options;
  const rollups = createRollupRepository();

  const inTransaction = <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> =>
    withConnection(pool, async (client, markBroken) => {
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        // A connection that failed mid-COPY may be unusable: destroy rather than reuse it.
        markBroken();
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });

  const applyPendingFeedback = async (ids?: readonly string[], client?: PoolClient): Promise<number> => {
    const run = async (c: PoolClient) => {
      const res = ids ? await c.query(LABELLED_ROWS('AND request_id = ANY($1::text[])'), [ids]) : await c.query(LABELLED_ROWS(''));
      if (res.rows.length === 0) return 0;
      const before = res.rows.map((r) => fromDbRow(r));
      const after = before.map((row, i) => withLabel(row, res.rows[i]!.new_label as boolean));
      const changed = after.map((r) => r.requestId);
      await c.query(SET_LABELS, [changed, after.map((r) => r.correct)]);
      await c.query(MARK_FEEDBACK_APPLIED, [changed]);
      await rollups.upsert(c, rollupDeltas([...before.map((row) => ({ row, sign: -1 as const })), ...after.map((row) => ({ row, sign: 1 as const }))]));
      return changed.length;
    };
    return client ? run(client) : inTransaction(run);
  };

  return {
    insertBatch: (batch) =>
      inTransaction(async (client) => {
        // A request id twice in one batch (a retried job) is one request: the first copy wins.
        const seen = new Set<string>();
        const rows = batch.filter((r) => !seen.has(r.requestId) && seen.add(r.requestId));
        const ids = rows.map((r) => r.requestId);
        const pending = await client.query<{ request_id: string; correct: boolean }>(PENDING_LABELS, [ids]);
        const labels = new Map(pending.rows.map((r) => [r.request_id, r.correct]));
        const labelled = labels.size === 0 ? rows : rows.map((r) => (labels.has(r.requestId) ? withLabel(r, labels.get(r.requestId)!) : r));
        const data = encodeCopyRows(labelled);
        // Fast path: the batch is usually all new, so COPY it straight into request_log. A duplicate
        // request id makes the COPY fail: fall back to staging + ON CONFLICT DO NOTHING.
        await client.query('SAVEPOINT direct_copy');
        let inserted = labelled;
        try {
          await copyInto(client, COPY_DIRECT, data);
        } catch (err) {
          if ((err as { code?: string }).code !== '23505') throw err;
          await client.query('ROLLBACK TO SAVEPOINT direct_copy');
          await client.query(CREATE_STAGE);
          await copyInto(client, COPY_STAGE, data);
          const fresh = new Set((await client.query<{ request_id: string }>(INSERT_NEW_FROM_STAGE)).rows.map((r) => r.request_id));
          inserted = labelled.filter((r) => fresh.has(r.requestId));
        }
        const used = inserted.filter((r) => labels.has(r.requestId)).map((r) => r.requestId);
        if (used.length > 0) await client.query(MARK_FEEDBACK_APPLIED, [used]);
        await rollups.upsert(client, aggregateRollup(inserted));
        return { inserted: inserted.length, feedbackUsed: used.length };
      }),

    applyPendingFeedback,

    recordFeedback: (requestId, correct) =>
      inTransaction(async (client) => {
        await client.query('INSERT INTO feedback (request_id, correct) VALUES ($1, $2)', [requestId, correct]);
        const applied = await applyPendingFeedback([requestId], client);
        return { applied: applied > 0 };
      }),

    findByRequestId: async (requestId) => {
      const res = await pool.query(`SELECT ${COL_LIST} FROM request_log WHERE request_id = $1`, [requestId]);
      return res.rows[0] ? fromDbRow(res.rows[0]) : null;
    },

    expirePendingFeedback: async (olderThanMs) => {
      const res = await pool.query(`DELETE FROM feedback WHERE NOT applied AND received_at < now() - make_interval(secs => $1::float8 / 1000)`, [olderThanMs]);
      return res.rowCount ?? 0;
    },

    countPendingFeedback: async () => {
      const res = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM feedback WHERE NOT applied');
      return res.rows[0]?.n ?? 0;
    },
  };
}
