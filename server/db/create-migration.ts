import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../observability/logger';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, MIGRATION_LOCK_TOML, NO_FILTERS } from './migrations-dir';
import { openSchemaEngine } from './schema-engine-wasm';

export interface CreateMigrationOptions {
  /** Any reachable Postgres: the engine connects on start-up, though a datamodel diff reads nothing. */
  url: string;
  name: string;
  schemaPath?: string;
  migrationsDir?: string;
  /** Write an (empty) migration even when the datamodel has not changed, for hand-written SQL. */
  draft?: boolean;
  /** Clock for the folder timestamp (tests). */
  now?: () => Date;
  logger?: Logger;
}

/** The datamodel the migrations folder currently produces; Prisma's tooling ignores non-folder entries. */
export const SNAPSHOT_FILE = 'schema.snapshot.prisma';

const timestamp = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);

/**
 * `prisma migrate dev --create-only` through the WebAssembly schema engine, without a shadow database.
 *
 * The WASM engine cannot get a shadow database from the pg adapter here ("shadow DB must be
 * provided through an external factory"), and introspecting a live database through the adapter
 * fails on pg_catalog's "char" columns. So instead of replaying the folder on a shadow database,
 * we keep the datamodel the folder corresponds to in `migrations/schema.snapshot.prisma` and let
 * the engine diff snapshot → schema.prisma (datamodel to datamodel; empty for the first one).
 * Writes `<dir>/<yyyymmddhhmmss>_<name>/migration.sql` and updates the snapshot.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<{ name: string; file: string } | null> {
  const schemaPath = options.schemaPath ?? DEFAULT_SCHEMA_PATH;
  const dir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const slug = options.name.trim().replace(/[^A-Za-z0-9_]+/g, '_');
  if (!slug) throw new Error('migration name is empty');
  const content = fs.readFileSync(schemaPath, 'utf8');
  const snapshotPath = path.join(dir, SNAPSHOT_FILE);
  const previous = fs.existsSync(snapshotPath) ? fs.readFileSync(snapshotPath, 'utf8') : null;

  const { engine, close } = await openSchemaEngine({ url: options.url, schema: 'public', logger: options.logger });
  let script: string;
  try {
    const out = await engine.diff({
      from: previous === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: SNAPSHOT_FILE, content: previous }] },
      to: { tag: 'schemaDatamodel', files: [{ path: path.basename(schemaPath), content }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    script = out.stdout ?? '';
  } finally {
    await close();
  }
  // The engine's "empty diff" script is a comment only.
  const empty = script.split('\n').every((l) => l.trim() === '' || l.trim().startsWith('--'));
  if (empty && !options.draft) return null;
  // Diffs from empty start with CREATE SCHEMA "public": redundant (the runner creates the target
  // schema and the search_path points at it) and it fails for roles without CREATE on the database.
  script = script.replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/m, '');
  if (empty) script = '-- Hand-written migration: add SQL below.\n';

  const name = `${timestamp((options.now ?? (() => new Date()))())}_${slug}`;
  const folder = path.join(dir, name);
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, 'migration.sql');
  fs.writeFileSync(file, script);
  fs.writeFileSync(snapshotPath, content);
  const lock = path.join(dir, 'migration_lock.toml');
  if (!fs.existsSync(lock)) fs.writeFileSync(lock, MIGRATION_LOCK_TOML);
  options.logger?.info({ file }, 'migration created');
  return { name, file };
}
