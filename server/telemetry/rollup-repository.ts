import type { PoolClient } from 'pg';
import { ROLLUP_SUM_KEYS, SUM_COLUMNS, UNIT_SUM_KEYS } from '../analysis/rollup-sums';
import type { RollupDeltas } from './rollup-aggregate';

/**
 * The one code path that writes `request_rollup` (per minute) and `request_unit_rollup` (per
 * unit bucket): additive upserts of the deltas rollup-aggregate computes from request rows.
 * The writer, late labels, benchmarks and test seeders all come through here, inside the
 * transaction that changes request_log, so the rollups always equal the log.
 */
export interface Queryable {
  query: PoolClient['query'];
}

const KEY_COLUMNS = [
  { column: 'experiment', type: 'text' },
  { column: 'stage', type: 'int' },
  { column: 'variant', type: 'text' },
] as const;

function upsertSql(table: string, conflictKey: { column: string; type: string }, sums: readonly { column: string; type: string }[], extra: { column: string; type: string; merge: string }[]): string {
  const cols = [...KEY_COLUMNS, conflictKey, ...sums, ...extra];
  const names = cols.map((c) => c.column).join(', ');
  const params = cols.map((c, i) => `$${i + 1}::${c.type === 'text[]' ? 'text' : c.type}[]`).join(', ');
  const select = cols.map((c) => (c.type === 'text[]' ? `${c.column}::int[]` : c.column)).join(', ');
  const sets = [...sums.map((c) => `${c.column} = t.${c.column} + EXCLUDED.${c.column}`), ...extra.map((c) => `${c.column} = ${c.merge}`)].join(',\n    ');
  return `INSERT INTO ${table} AS t (${names})
SELECT ${select} FROM unnest(${params}) AS d(${names})
ON CONFLICT (experiment, stage, variant, ${conflictKey.column}) DO UPDATE SET
    ${sets}`;
}

const MINUTE_SUMS = ROLLUP_SUM_KEYS.map((k) => SUM_COLUMNS[k]);
const UNIT_SUMS = UNIT_SUM_KEYS.map((k) => SUM_COLUMNS[k]);

const UPSERT_MINUTES = upsertSql('request_rollup', { column: 'bucket', type: 'timestamptz' }, MINUTE_SUMS, [
  // Histograms travel as '{1,0,…}' text and are added element-wise.
  { column: 'latency_hist', type: 'text[]', merge: 'int_array_add(t.latency_hist, EXCLUDED.latency_hist)' },
]);
const UPSERT_UNITS = upsertSql('request_unit_rollup', { column: 'unit_bucket', type: 'int' }, UNIT_SUMS, []);

export interface RollupRepository {
  upsert(client: Queryable, deltas: RollupDeltas): Promise<void>;
}

export function createRollupRepository(): RollupRepository {
  return {
    async upsert(client, { minutes, units }) {
      if (minutes.length > 0) {
        await client.query(UPSERT_MINUTES, [
          minutes.map((d) => d.experiment),
          minutes.map((d) => d.stage),
          minutes.map((d) => d.variant),
          minutes.map((d) => new Date(d.bucketMs).toISOString()),
          ...ROLLUP_SUM_KEYS.map((k) => minutes.map((d) => d[k])),
          minutes.map((d) => `{${d.latencyHist.join(',')}}`),
        ]);
      }
      if (units.length > 0) {
        await client.query(UPSERT_UNITS, [
          units.map((d) => d.experiment),
          units.map((d) => d.stage),
          units.map((d) => d.variant),
          units.map((d) => d.unitBucket),
          ...UNIT_SUM_KEYS.map((k) => units.map((d) => d[k])),
        ]);
      }
    },
  };
}
