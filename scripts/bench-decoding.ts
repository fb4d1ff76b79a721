/** Decoding benchmark: accuracy and latency of each strategy on a problem set. See BENCH_USAGE. */
import { loadConfig } from '../server/config/index';
import { BENCH_OPTIONS, BENCH_USAGE, runBenchCommand } from './bench/decoding/bench-command';
import { parseCli, runCli } from './lib/cli';

const spec = { name: 'bench:decoding', usage: BENCH_USAGE, options: BENCH_OPTIONS } as const;

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  await runBenchCommand(values, { log: (l) => console.log(l), progress: (l) => console.error(l) }, loadConfig().decoding);
});
