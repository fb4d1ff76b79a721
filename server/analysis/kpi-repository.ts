import type { Pool } from 'pg';
import { ROLLUP_SUM_KEYS, SUM_COLUMNS, UNIT_SUM_KEYS, type RollupSums, type UnitSums } from './rollup-sums';

/**
 * SQL over `request_rollup` (per-minute sufficient statistics), so a results
 * request over millions of logged requests reads thousands of rows. Sums come
 * back as float8: counts stay exact far beyond 2^31, and token sums (bigint)
 * would otherwise arrive as strings.
 */

export type Granularity = 'minute' | 'hour' | 'day';

export interface RollupFilter {
  experiment: string;
  /** null: every stage. */
  stage: number | null;
  /** Inclusive lower bound on the minute bucket. */
  from?: Date;
  /** Exclusive upper bound on the minute bucket. */
  to?: Date;
}

export interface VariantSums extends RollupSums {
  variant: string;
}

export interface StageSums extends VariantSums {
  stage: number;
}

/** One (stage, time bucket, variant) cell: the sums plus the merged latency histogram (dense). */
export interface TimeCell extends StageSums {
  bucket: Date;
  hist: number[];
}

/** Histogram positions to sum, 0-based inclusive; the rest come back as zeros. */
export interface HistRange {
  lo: number;
  hi: number;
}

export interface ExperimentRef {
  id: string;
  key: string;
  status: string;
  specsShare: number;
  /** Current analysis stage: the stage of the latest share_history row (what the serving path stamps on each request). */
  stage: number;
}

export interface KpiRepository {
  findExperiment(key: string): Promise<ExperimentRef | null>;
  /** Configured SPECS share of each analysis stage (the latest share_history row of that stage). */
  stageShares(experimentId: string): Promise<Map<number, number>>;
  /**
   * Sums per (stage, time bucket, variant) with the histograms merged in SQL;
   * `histLength` is the number of histogram buckets (shorter rows count as zeros).
   */
  cells(filter: RollupFilter, granularity: Granularity, histLength: number, range?: HistRange): Promise<TimeCell[]>;
  /** First and last minute bucket with data. */
  span(filter: RollupFilter): Promise<{ first: Date; last: Date } | null>;
  /** Per-unit-bucket totals of one analysis stage, per variant. */
  unitBuckets(experiment: string, stage: number): Promise<(UnitSums & { variant: string; unitBucket: number })[]>;
}

const SUM_SELECT = ROLLUP_SUM_KEYS.map((k) => `sum(${SUM_COLUMNS[k].column})::float8 AS "${k}"`).join(', ');
const UNIT_SELECT = UNIT_SUM_KEYS.map((k) => `sum(${SUM_COLUMNS[k].column})::float8 AS "${k}"`).join(', ');

// `$n::int IS NULL OR …` keeps one statement per query; node-pg sends unnamed
// statements, so Postgres plans each call with the actual values (custom plan).
const WHERE = `experiment = $1 AND ($2::int IS NULL OR stage = $2)
  AND ($3::timestamptz IS NULL OR bucket >= $3) AND ($4::timestamptz IS NULL OR bucket < $4)`;

const params = (f: RollupFilter): unknown[] => [f.experiment, f.stage, f.from ?? null, f.to ?? null];

const GRANULARITIES: ReadonlySet<string> = new Set(['minute', 'hour', 'day']);
function granularity(g: Granularity): Granularity {
  // Interpolated into date_trunc as a parameter anyway; the check keeps a typo from becoming a 500 deep in SQL.
  if (!GRANULARITIES.has(g)) throw new Error(`unknown granularity ${String(g)}`);
  return g;
}

export function createKpiRepository({ pool }: { pool: Pool }): KpiRepository {
  return {
    async findExperiment(key) {
      const r = await pool.query<ExperimentRef>(
        `SELECT e.id::text AS id, e.key, e.status::text AS status, e.specs_share AS "specsShare",
                coalesce((SELECT h.stage FROM share_history h WHERE h.experiment_id = e.id ORDER BY h.at DESC, h.id DESC LIMIT 1), 0) AS stage
           FROM experiment e WHERE e.key = $1`,
        [key],
      );
      return r.rows[0] ?? null;
    },

    async stageShares(experimentId) {
      const r = await pool.query<{ stage: number; share: number }>(
        `SELECT DISTINCT ON (stage) stage, specs_share AS share FROM share_history
          WHERE experiment_id = $1::uuid ORDER BY stage, at DESC, id DESC`,
        [experimentId],
      );
      return new Map(r.rows.map((x) => [x.stage, x.share]));
    },

    async cells(filter, g, histLength, range) {
      if (!Number.isInteger(histLength) || histLength < 1 || histLength > 1000) throw new Error(`bad histogram length ${histLength}`);
      const lo = range ? Math.max(0, Math.floor(range.lo)) : 0;
      const hi = range ? Math.min(histLength - 1, Math.floor(range.hi)) : histLength - 1;
      // Element-wise sum of int[] has no built-in aggregate; one sum() per
      // position is several times faster than unnest + group by position, and
      // its cost is linear in the positions summed (hence `range`).
      const hist = Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => `coalesce(sum(latency_hist[${lo + i + 1}]), 0)`).join(', ');
      const r = await pool.query<TimeCell>(
        `SELECT stage, date_trunc($5, bucket) AS bucket, variant, ${SUM_SELECT}, ARRAY[${hist}]::float8[] AS hist
           FROM request_rollup WHERE ${WHERE}
          GROUP BY 1, 2, 3 ORDER BY 2, 1, 3`,
        [...params(filter), granularity(g)],
      );
      if (lo === 0 && hi === histLength - 1) return r.rows;
      return r.rows.map((row) => {
        const dense = new Array<number>(histLength).fill(0);
        for (let i = 0; i < row.hist.length; i++) dense[lo + i] = row.hist[i]!;
        return { ...row, hist: dense };
      });
    },

    async unitBuckets(experiment, stage) {
      const r = await pool.query<UnitSums & { variant: string; unitBucket: number }>(
        `SELECT variant, unit_bucket AS "unitBucket", ${UNIT_SELECT} FROM request_unit_rollup
          WHERE experiment = $1 AND stage = $2 GROUP BY 1, 2 ORDER BY 1, 2`,
        [experiment, stage],
      );
      return r.rows;
    },

    async span(filter) {
      const r = await pool.query<{ first: Date | null; last: Date | null }>(
        `SELECT min(bucket) AS first, max(bucket) AS last FROM request_rollup WHERE ${WHERE}`,
        params(filter),
      );
      const row = r.rows[0];
      return row?.first && row.last ? { first: row.first, last: row.last } : null;
    },
  };
}
