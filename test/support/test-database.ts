import crypto from 'node:crypto';
import pg from 'pg';
import { createPgPool, createPrismaClient, type PrismaClient } from '../../server/db/create-prisma-client';
import { applyMigrations } from '../../server/db/migrate';

export const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** Postgres URL (without the schema; pass `schema` alongside, as the app's config does). */
  url: string;
  /** The unique schema this test file owns. */
  schema: string;
  prisma: PrismaClient;
  /** pg pool with search_path = schema. */
  pool: pg.Pool;
  /** Disconnects Prisma, ends the pool and drops the schema. Call in afterAll. */
  drop(): Promise<void>;
}

/** `t_<label>_<random>`: unique per call so test files (and repeated runs) never share tables. */
export function uniqueSchemaName(label = 'test'): string {
  const clean = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 30) || 'test';
  return `t_${clean}_${crypto.randomBytes(5).toString('hex')}`;
}

/**
 * A fresh, migrated Postgres schema on TEST_DATABASE_URL for one test file.
 *
 *   let db: TestDatabase;
 *   beforeAll(async () => { db = await createTestDatabase('experiments'); });
 *   afterAll(() => db.drop());
 */
export async function createTestDatabase(label?: string): Promise<TestDatabase> {
  // Tests read the environment directly: they are outside the app's config boundary.
  const url = process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
  const schema = uniqueSchemaName(label);
  await applyMigrations({ url, schema });
  const prisma = createPrismaClient({ url, schema, max: 4 });
  const pool = createPgPool({ url, schema, max: 4 });
  let dropped = false;
  return {
    url,
    schema,
    prisma,
    pool,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
