/** npm run db:migrate — applies prisma/migrations to DATABASE_URL / DATABASE_SCHEMA (embedded Postgres if unset). */
import { loadConfig } from '../server/config/config';
import { applyMigrations } from '../server/db/migrate';
import { resolveDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'db-migrate' });
  const db = await resolveDatabase(config, logger);
  try {
    const { applied } = await applyMigrations({ url: db.url, schema: db.schema, logger });
    console.log(applied.length ? `applied: ${applied.join(', ')}` : `schema "${db.schema}" is up to date`);
  } finally {
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
