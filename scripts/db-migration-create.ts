/**
 * npm run db:migration:create -- --name add_x [--draft]
 * Diffs prisma/schema.prisma against the datamodel of prisma/migrations through Prisma's
 * WebAssembly schema engine and writes a new migration folder (DATABASE_URL or the embedded
 * Postgres is only connected to, not read).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config/config';
import { createMigration } from '../server/db/create-migration';
import { resolveDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { name: { type: 'string' }, draft: { type: 'boolean', default: false } } });
  if (!values.name) throw new Error('usage: npm run db:migration:create -- --name <name> [--draft]');
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'db-migration-create' });
  const db = await resolveDatabase(config, logger);
  try {
    const created = await createMigration({ url: db.url, name: values.name, draft: values.draft, logger });
    console.log(created ? `created ${created.file}` : 'schema.prisma matches the migrations: nothing to create (use --draft for an empty one)');
  } finally {
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
