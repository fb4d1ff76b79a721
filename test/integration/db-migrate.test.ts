import pg from 'pg';
import { applyMigrations } from '../../server/db/migrate';
import { readMigrationsList } from '../../server/db/migrations-dir';
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
});
