/**
 * npm run test:fuzz [-- --count 12000 --seed 2026]
 * The HTTP fuzzer (test/fuzz) against the real API on a fresh schema of the test database
 * (TEST_DATABASE_URL, default local Postgres): statuses per code, and every failure.
 */
import { startFuzzTarget } from '../test/fuzz/fuzz-app';
import { runFuzz } from '../test/fuzz/http-fuzz';
import { createTestDatabase } from '../test/support';
import { numberArg, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'test:fuzz',
  usage: `[--count N] [--seed S]
  --count  requests (default 12000)
  --seed   random seed (default 2026)`,
  options: { count: { type: 'string' }, seed: { type: 'string' } },
} as const;

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  const count = numberArg('count', values.count, { integer: true, min: 1 }) ?? 12_000;
  const seed = numberArg('seed', values.seed, { integer: true, min: 0 }) ?? 2026;
  const db = await createTestDatabase('fuzz_cli');
  const target = await startFuzzTarget(db);
  try {
    const started = Date.now();
    const report = await runFuzz({
      baseUrl: target.baseUrl,
      routes: target.routes,
      keys: target.keys,
      count,
      seed,
      concurrency: 8,
      onProgress: (done, total) => {
        if (done % 1000 === 0 || done === total) process.stderr.write(`\r[fuzz] ${done}/${total} requests, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      },
    });
    process.stderr.write('\n');
    const statuses = Object.entries(report.byStatus).sort(([a], [b]) => Number(a) - Number(b));
    process.stdout.write(
      [
        `fuzz: ${report.requests} requests over ${target.routes.length} routes, seed ${seed}, slowest ${report.maxMs} ms`,
        `statuses: ${statuses.map(([s, n]) => `${s}×${n}`).join('  ')}`,
        `failures (≥ 500, hang, stack in body): ${report.failures.length}`,
        ...report.failures.slice(0, 20).map((f) => `  ${f.kind} ${f.method} ${f.path}: ${f.detail}`),
      ].join('\n') + '\n',
    );
    if (report.failures.length > 0) process.exitCode = 1;
  } finally {
    await target.ctx.close();
    await db.drop();
  }
});
