/** Decoding benchmark: accuracy and latency of each strategy on a problem set. See BENCH_USAGE. */
import { loadConfig } from '../server/config/index';
import { isAppError } from '../server/errors/index';
import { BENCH_USAGE, runBenchCommand } from './bench/decoding/bench-command';

const config = loadConfig();
runBenchCommand(process.argv.slice(2), { log: (l) => console.log(l), progress: (l) => console.error(l) }, config.decoding).catch((e: unknown) => {
  if (isAppError(e)) console.error(`bench:decoding: ${e.message}${e.code === 'VALIDATION_FAILED' ? `\n${BENCH_USAGE}` : ''}`);
  else console.error(`bench:decoding: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 2;
});
