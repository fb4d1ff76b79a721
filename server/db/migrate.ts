import pg from 'pg';
import type { Logger } from '../observability/logger';
import { DEFAULT_MIGRATIONS_DIR, NO_FILTERS, readMigrationsList } from './migrations-dir';
import { assertSchemaName, pgConfigFromUrl } from './pg-config';
import { openSchemaEngine } from './schema-engine-wasm';

export interface ApplyMigrationsOptions {
  url: string;
  schema: string;
  logger?: Logger;
  migrationsDir?: string;
}

/** Stable 32-bit key per schema for pg_advisory_lock, so different schemas migrate in parallel. */
function lockKey(schema: string): number {
  let h = 0x811c9dc5;
  for (const ch of `specs-ab:migrate:${schema}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h | 0;
}

/**
 * Applies pending migrations from prisma/migrations to `schema` through Prisma's WebAssembly
 * schema engine (same `_prisma_migrations` table and checksums as `prisma migrate deploy`).
 * Idempotent; concurrent callers on the same schema serialize on a session advisory lock held
 * on a separate connection for the whole run.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<{ applied: string[] }> {
  const schema = assertSchemaName(options.schema);
  const log = options.logger;
  const lockClient = new pg.Client(pgConfigFromUrl(options.url));
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [lockKey(schema)]);
    await lockClient.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const { engine, close } = await openSchemaEngine({ url: options.url, schema, logger: log });
    try {
      const out = await engine.applyMigrations({
        migrationsList: readMigrationsList(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR),
        filters: NO_FILTERS,
      });
      if (out.appliedMigrationNames.length > 0) log?.info({ schema, applied: out.appliedMigrationNames }, 'migrations applied');
      else log?.debug({ schema }, 'database schema up to date');
      return { applied: out.appliedMigrationNames };
    } finally {
      await close();
    }
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [lockKey(schema)]).catch(() => undefined);
    await lockClient.end();
  }
}
