/** `npm run serve`: the API (with in-process workers when REDIS_URL is unset). */
import { createAppContext } from './app/create-app-context';
import { formatFatal } from './app/report-fatal';
import { closeOnSignal } from './app/run-until-signal';
import { loadConfig } from './config';
import { createLogger } from './observability/logger';

async function main() {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'specs-api' });
  const ctx = await createAppContext(config, { role: 'api', logger });
  closeOnSignal(() => ctx.close(), logger);
  const { url } = await ctx.listen();
  logger.info({ url, queue: ctx.queueMode, database: ctx.database.embedded ? 'embedded' : 'external', schema: ctx.database.schema }, 'API listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`${formatFatal('serve', err)}\n`);
  process.exit(1);
});
