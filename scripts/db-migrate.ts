/**
 * npm run db:migrate -- [--engine wasm|prisma]
 * Applies prisma/migrations to DATABASE_URL / DATABASE_SCHEMA (the embedded Postgres if unset).
 *   wasm    Prisma's WebAssembly schema engine, in this process (the default; what the API runs)
 *   prisma  `prisma migrate deploy`, where the Prisma CLI can get its native engine
 * Both write the same `_prisma_migrations` table with the same checksums, so they mix freely.
 */
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../server/config/config';
import { applyMigrations } from '../server/db/migrate';
import { resolveDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';
import { CliError, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'db:migrate',
  usage: `[--engine wasm|prisma]
  --engine  wasm (default): Prisma's WebAssembly schema engine, no download needed
            prisma: \`prisma migrate deploy\` (needs Prisma's native schema engine)`,
  options: { engine: { type: 'string', default: 'wasm' } },
} as const;

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  if (values.engine !== 'wasm' && values.engine !== 'prisma') throw new CliError(`--engine must be wasm or prisma, got ${JSON.stringify(values.engine)}`);
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'db-migrate' });
  const db = await resolveDatabase(config, logger);
  try {
    if (values.engine === 'prisma') {
      const run = spawnSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
        stdio: 'inherit',
        env: { ...process.env, DATABASE_URL: withSchema(db.url, db.schema) },
      });
      if (run.status !== 0) throw new Error(`prisma migrate deploy exited with ${run.status ?? run.signal}; without network access use --engine wasm`);
      return;
    }
    const { applied } = await applyMigrations({ url: db.url, schema: db.schema, logger });
    console.log(applied.length ? `applied: ${applied.join(', ')}` : `schema "${db.schema}" is up to date`);
  } finally {
    await db.stop();
  }
});
