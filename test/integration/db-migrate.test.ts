import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { SNAPSHOT_FILE } from '../../server/db/create-migration';
import { applyMigrations } from '../../server/db/migrate';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, NO_FILTERS, readMigrationsList } from '../../server/db/migrations-dir';
import { pgConfigFromUrl } from '../../server/db/pg-config';
import { openSchemaEngine } from '../../server/db/schema-engine-wasm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('migrations (WASM schema engine)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('db_migrate');
  });
  afterAll(() => db.drop());

  it('records every migration in _prisma_migrations with prisma checksums', async () => {
    const { rows } = await db.pool.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    const list = readMigrationsList();
    expect(rows.map((r) => r.migration_name)).toEqual(list.migrationDirectories.map((d) => d.path));
    const crypto = await import('node:crypto');
    for (const [i, dir] of list.migrationDirectories.entries()) {
      const content = dir.migrationFile.content;
      if (content.tag !== 'ok') throw new Error(content.value);
      expect(rows[i]!.checksum).toBe(crypto.createHash('sha256').update(content.value).digest('hex'));
      expect(rows[i]!.finished_at).not.toBeNull();
    }
  });

  it('is idempotent and safe to run concurrently', async () => {
    const results = await Promise.all([applyMigrations({ url: db.url, schema: db.schema }), applyMigrations({ url: db.url, schema: db.schema })]);
    expect(results.map((r) => r.applied)).toEqual([[], []]);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM _prisma_migrations');
    expect(rows[0].n).toBe(readMigrationsList().migrationDirectories.length);
  });

  it('applies concurrently to a fresh schema exactly once', async () => {
    const schema = `${db.schema}_b`;
    try {
      const results = await Promise.all([applyMigrations({ url: db.url, schema }), applyMigrations({ url: db.url, schema })]);
      const applied = results.flatMap((r) => r.applied);
      expect(applied).toHaveLength(readMigrationsList().migrationDirectories.length);
    } finally {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  });

  it('creates the tables, the histogram helpers and a working Prisma client', async () => {
    const { rows } = await db.pool.query(`SELECT int_array_add('{1,2,3}', '{10,20}') AS s, int_hist_from_pairs('{0,2,2}', '{1,5,1}', 4) AS h`);
    expect(rows[0]).toEqual({ s: [11, 22, 3], h: [1, 0, 6, 0] });
    const agg = await db.pool.query(`SELECT int_array_sum(h) AS s FROM (VALUES ('{1,1}'::int[]), ('{2,3}'::int[])) AS t(h)`);
    expect(agg.rows[0].s).toEqual([3, 4]);
    const exp = await db.prisma.experiment.create({ data: { key: 'k1', name: 'n', specsShare: 0.1, hashSeed: 'k1' } });
    expect(await db.prisma.experiment.findUnique({ where: { id: exp.id } })).toMatchObject({ key: 'k1' });
  });

  it('builds exactly the tables, columns, indexes and constraints that schema.prisma describes', async () => {
    const datamodel = fs.readFileSync(DEFAULT_SCHEMA_PATH, 'utf8');
    // The folder's own record of the datamodel it produces: a stale one means a missing migration.
    expect(fs.readFileSync(path.join(DEFAULT_MIGRATIONS_DIR, SNAPSHOT_FILE), 'utf8')).toBe(datamodel);

    // The reference: what Prisma's engine creates from schema.prisma alone, in a second empty schema.
    const reference = `${db.schema}_ref`;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA "${reference}"`);
      const { engine, close } = await openSchemaEngine({ url: db.url, schema: reference });
      let script: string;
      try {
        const out = await engine.diff({
          from: { tag: 'empty' },
          to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: datamodel }] },
          script: true,
          exitCode: null,
          filters: NO_FILTERS,
        });
        script = (out.stdout ?? '').replace(/CREATE SCHEMA IF NOT EXISTS "public";/, '');
      } finally {
        await close();
      }
      const refPool = new pg.Pool(pgConfigFromUrl(db.url, reference, { max: 1 }));
      try {
        await refPool.query(script);
      } finally {
        await refPool.end();
      }
      const [migrated, expected] = await Promise.all([catalog(admin, db.schema), catalog(admin, reference)]);
      expect(migrated.tables).toEqual(expected.tables);
      expect(migrated.columns).toEqual(expected.columns);
      expect(migrated.indexes).toEqual(expected.indexes);
      expect(migrated.constraints).toEqual(expected.constraints);
      expect(migrated.enums).toEqual(expected.enums);
      expect(migrated.tables.length).toBeGreaterThan(5);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${reference}" CASCADE`);
      await admin.end();
    }
  });
});

/** A schema's shape as sorted text rows, with the schema name taken out so two schemas compare. */
async function catalog(client: pg.Client, schema: string) {
  const strip = (s: string) => s.split(`"${schema}".`).join('').split(`${schema}.`).join('');
  const rows = async (sql: string) => (await client.query<{ r: string }>(sql, [schema])).rows.map((x) => strip(x.r)).sort();
  return {
    tables: await rows(`SELECT table_name AS r FROM information_schema.tables WHERE table_schema = $1 AND table_name <> '_prisma_migrations'`),
    columns: await rows(
      `SELECT concat_ws(' ', table_name, column_name, udt_name, is_nullable, coalesce(column_default, '-')) AS r
         FROM information_schema.columns WHERE table_schema = $1 AND table_name <> '_prisma_migrations'`,
    ),
    indexes: await rows(`SELECT indexdef AS r FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_prisma_migrations'`),
    constraints: await rows(
      `SELECT concat_ws(' ', t.relname, c.conname, pg_get_constraintdef(c.oid)) AS r
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname <> '_prisma_migrations'`,
    ),
    enums: await rows(
      `SELECT concat_ws(' ', t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)) AS r
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 GROUP BY t.typname`,
    ),
  };
}
