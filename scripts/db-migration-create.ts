/**
 * npm run db:migration:create -- --name add_x [--draft]
 * Diffs prisma/schema.prisma against the datamodel of prisma/migrations through Prisma's
 * WebAssembly schema engine and writes a new migration folder (DATABASE_URL or the embedded
 * Postgres is only connected to, not read).
 */
import { loadConfig } from '../server/config/config';
import { createMigration } from '../server/db/create-migration';
import { resolveDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';
import { CliError, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'db:migration:create',
  usage: `--name NAME [--draft]
  --name   the migration's name (letters, digits, _)
  --draft  create an empty migration even when schema.prisma matches the migrations`,
  options: { name: { type: 'string' }, draft: { type: 'boolean', default: false } },
} as const;

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  if (!values.name) throw new CliError('--name is required');
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'db-migration-create' });
  const db = await resolveDatabase(config, logger);
  try {
    const created = await createMigration({ url: db.url, name: values.name, draft: values.draft, logger });
    console.log(created ? `created ${created.file}` : 'schema.prisma matches the migrations: nothing to create (use --draft for an empty one)');
  } finally {
    await db.stop();
  }
});
