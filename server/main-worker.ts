/** `npm run worker`: BullMQ decode workers (WORKER_CONCURRENCY slots); needs REDIS_URL. */
import { createAppContext } from './app/create-app-context';
import { formatFatal } from './app/report-fatal';
import { closeOnSignal } from './app/run-until-signal';
import { loadConfig } from './config';
import { createLogger } from './observability/logger';

async function main() {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'specs-worker' });
  const ctx = await createAppContext(config, { role: 'worker', logger });
  closeOnSignal(() => ctx.close(), logger);
  const { url } = await ctx.listen(config.worker.opsPort, config.http.host);
  logger.info({ concurrency: config.worker.concurrency, queuePrefix: config.redis.queuePrefix, ops: url }, 'decode worker running');
}

main().catch((err: unknown) => {
  process.stderr.write(`${formatFatal('worker', err)}\n`);
  process.exit(1);
});
