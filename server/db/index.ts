export { createPrismaClient, createPgPool, type CreatePrismaClientOptions, type PrismaClient } from './create-prisma-client';
export { applyMigrations, type ApplyMigrationsOptions } from './migrate';
export { createMigration, SNAPSHOT_FILE, type CreateMigrationOptions } from './create-migration';
export { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
export { resolveDatabase, type ResolvedDatabase } from './resolve-database';
export { pgConfigFromUrl, assertSchemaName } from './pg-config';
export { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, readMigrationsList } from './migrations-dir';
