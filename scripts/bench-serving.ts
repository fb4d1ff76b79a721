/**
 * npm run bench:serving [-- --rps 200 --duration 30 --decoder sleep:5 --concurrency 16 --modes bullmq,in-process --logging-rows 200000]
 *
 * Platform overhead per request = total latency − decode time, read back from the LOGGED
 * timings in request_log, at a steady request rate through the real path:
 * HTTP → auth/validation → GrowthBook assignment → queue (BullMQ on Redis, or in-process) →
 * worker → request-log writer. Real decoding cannot sustain 200 requests/s on two cores, so the
 * decoder is a constant-cost stand-in (`sleep:N`) by default: it isolates the platform's share.
 * Then runs the logging throughput bench (scripts/bench-logging.ts) when present.
 * Writes experiments/results/bench-serving.json.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createAppContext } from '../server/app/create-app-context';
import { createSleepDecoder, parseDecoderSpec } from '../test/support/stand-in-decoders';
import { loadConfig } from '../server/config';
import type { ResolvedDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';
import { loadProblems, quantile, runTraffic } from './traffic-runner';

const ROOT = path.resolve(__dirname, '..');

interface Dist {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
const dist = (xs: number[]): Dist => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
    p50: quantile(s, 0.5) ?? NaN,
    p90: quantile(s, 0.9) ?? NaN,
    p99: quantile(s, 0.99) ?? NaN,
    max: s[s.length - 1] ?? NaN,
  };
};

async function benchMode(opts: {
  mode: 'bullmq' | 'in-process';
  db: { url: string };
  redisUrl: string;
  rps: number;
  durationS: number;
  warmupS: number;
  decoderSpec: string;
  concurrency: number;
}) {
  const schema = `bench_serving_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    DATABASE_URL: opts.db.url,
    DATABASE_SCHEMA: schema,
    REDIS_URL: opts.mode === 'bullmq' ? opts.redisUrl : '',
    QUEUE_PREFIX: schema,
    WORKER_CONCURRENCY: String(opts.concurrency),
    SPOOL_DIR: mkdtempSync(path.join(tmpdir(), 'bench-serving-spool-')),
    SOLVE_TIMEOUT_MS: '30000',
  });
  const spec = parseDecoderSpec(opts.decoderSpec);
  const logger = createLogger({ level: 'warn', name: 'bench-serving' });
  const ctx = await createAppContext(config, { role: 'all', logger, decoder: spec.kind === 'sleep' ? createSleepDecoder(spec.ms) : undefined });
  try {
    const { url } = await ctx.listen(0, '127.0.0.1');
    const actor = { name: 'bench', role: 'admin' as const };
    await ctx.experiments!.create({ key: 'bench-warmup', specsShare: 0.5 }, actor);
    await ctx.experiments!.create({ key: 'bench', specsShare: 0.5 }, actor);
    const problems = loadProblems(path.join(ROOT, 'experiments/test.jsonl'));
    const key = config.apiKeys.service!;
    process.stderr.write(`[${opts.mode}] warm-up ${opts.warmupS} s …\n`);
    await runTraffic({ url, key, rps: opts.rps, durationS: opts.warmupS, problems, experiment: 'bench-warmup' });
    process.stderr.write(`[${opts.mode}] measuring ${opts.rps} req/s for ${opts.durationS} s …\n`);
    const report = await runTraffic({
      url,
      key,
      rps: opts.rps,
      durationS: opts.durationS,
      problems,
      experiment: 'bench',
      onProgress: (p) => process.stderr.write(`\r  ${p.elapsedS.toFixed(0).padStart(3)} s  sent ${p.sent}  done ${p.completed}  failed ${p.failed}  in flight ${p.inFlight}   `),
    });
    process.stderr.write('\n');
    await ctx.close(); // flushes the request log
    const pool = new pg.Pool({ connectionString: opts.db.url, max: 1 });
    try {
      const { rows } = await pool.query(
        `SELECT latency_ms, decode_ms, queue_wait_ms FROM "${schema}".request_log WHERE experiment = 'bench' AND status = 'ok'`,
      );
      const overhead = rows.map((r: { latency_ms: number; decode_ms: number }) => r.latency_ms - r.decode_ms);
      return {
        mode: opts.mode,
        decoder: opts.decoderSpec,
        rps: opts.rps,
        durationS: opts.durationS,
        concurrency: opts.concurrency,
        client: { sent: report.sent, completed: report.completed, failed: report.failed, shed: report.shed, byStatus: report.byStatus },
        loggedRows: rows.length,
        overheadMs: dist(overhead),
        queueWaitMs: dist(rows.map((r: { queue_wait_ms: number }) => r.queue_wait_ms)),
        decodeMs: dist(rows.map((r: { decode_ms: number }) => r.decode_ms)),
        totalMs: dist(rows.map((r: { latency_ms: number }) => r.latency_ms)),
      };
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await pool.end();
    }
  } finally {
    await ctx.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rps: { type: 'string', default: '200' },
      duration: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '3' },
      decoder: { type: 'string', default: 'sleep:5' },
      concurrency: { type: 'string', default: '16' },
      modes: { type: 'string', default: 'bullmq,in-process' },
      'logging-rows': { type: 'string', default: '200000' },
      'skip-logging': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(ROOT, 'experiments/results/bench-serving.json') },
    },
  });
  const base = loadConfig();
  const redisUrl = base.redis.url ?? 'redis://127.0.0.1:6379';
  const spec = parseDecoderSpec(values.decoder);
  console.log(
    spec.kind === 'sleep'
      ? `decoder: CONSTANT-COST STAND-IN (sleep ${spec.ms} ms per request), not the real models — this measures platform overhead only`
      : 'decoder: the real ONNX models (expect the queue to saturate at high request rates)',
  );
  let db: ResolvedDatabase;
  if (base.database.url) db = { url: base.database.url, schema: base.database.schema, embedded: false, stop: async () => undefined };
  else db = await (require('../server/db/resolve-database') as typeof import('../server/db/resolve-database')).resolveDatabase(base);

  const results = [];
  try {
    for (const mode of values.modes.split(',').map((m) => m.trim()) as ('bullmq' | 'in-process')[]) {
      results.push(
        await benchMode({
          mode,
          db,
          redisUrl,
          rps: Number(values.rps),
          durationS: Number(values.duration),
          warmupS: Number(values.warmup),
          decoderSpec: values.decoder,
          concurrency: Number(values.concurrency),
        }),
      );
    }
  } finally {
    await db.stop();
  }

  const f = (x: number) => x.toFixed(3);
  console.log(`\nplatform overhead = logged total − logged decode (ms), ${values.rps} req/s for ${values.duration} s, decoder ${values.decoder}`);
  console.log('queue        rows   ok/sent     overhead p50  p90    p99    max     queue-wait p99  total p99   bar p99 ≤ 2 ms');
  for (const r of results) {
    console.log(
      `${r.mode.padEnd(11)}  ${String(r.loggedRows).padEnd(5)}  ${`${r.client.completed}/${r.client.sent}`.padEnd(10)}  ${f(r.overheadMs.p50).padEnd(12)}  ${f(r.overheadMs.p90).padEnd(5)}  ${f(r.overheadMs.p99).padEnd(5)}  ${f(r.overheadMs.max).padEnd(6)}  ${f(r.queueWaitMs.p99).padEnd(14)}  ${f(r.totalMs.p99).padEnd(9)}  ${r.overheadMs.p99 <= 2 ? 'PASS' : 'FAIL'}`,
    );
  }

  let logging: unknown = null;
  const loggingScript = path.join(ROOT, 'scripts/bench-logging.ts');
  if (!values['skip-logging'] && existsSync(loggingScript)) {
    console.log(`\nrequest-log throughput: npm run bench:logging -- --rows ${values['logging-rows']}`);
    const r = spawnSync('npx', ['tsx', loggingScript, '--rows', values['logging-rows']], { cwd: ROOT, stdio: 'inherit', env: process.env });
    const file = path.join(ROOT, 'experiments/results/bench-logging.json');
    logging = { exitCode: r.status, result: existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null };
  }

  mkdirSync(path.dirname(values.out), { recursive: true });
  writeFileSync(
    values.out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        note:
          spec.kind === 'sleep'
            ? `decoder is a constant-cost stand-in (${values.decoder}); overhead = request_log.latency_ms − request_log.decode_ms`
            : 'real decoder; overhead = request_log.latency_ms − request_log.decode_ms',
        cpus: require('node:os').cpus().length,
        serving: results,
        logging,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${path.relative(ROOT, values.out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
