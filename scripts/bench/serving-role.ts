/**
 * One serving process of the serving benchmark, started by scripts/bench-serving.ts:
 *   tsx scripts/bench/serving-role.ts api|worker|api-inline --decoder sleep:5
 * Configured by the environment like server/main-*.ts; the decoder may be the constant-cost
 * stand-in, so the benchmark measures the platform and not the models. Prints "ready <url>".
 */
import { createAppContext } from '../../server/app/create-app-context';
import { closeOnSignal } from '../../server/app/run-until-signal';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/observability/logger';
import { createSleepDecoder, parseDecoderSpec } from '../../test/support/stand-in-decoders';

async function main(): Promise<void> {
  const [role, flag, spec] = process.argv.slice(2);
  if (!['api', 'worker', 'api-inline'].includes(role ?? '') || flag !== '--decoder' || !spec) throw new Error('usage: serving-role.ts api|worker|api-inline --decoder sleep:N|real');
  const decoderSpec = parseDecoderSpec(spec);
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: `bench-${role}` });
  const ctx = await createAppContext(config, {
    role: role === 'worker' ? 'worker' : 'api',
    logger,
    decoder: decoderSpec.kind === 'sleep' ? createSleepDecoder(decoderSpec.ms) : undefined,
  });
  closeOnSignal(() => ctx.close(), logger);
  const { url } = await ctx.listen(role === 'worker' ? config.worker.opsPort : config.http.port, '127.0.0.1');
  process.stdout.write(`ready ${url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`serving-role: ${(err as Error).message}\n`);
  process.exit(1);
});
