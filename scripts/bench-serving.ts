/**
 * npm run bench:serving [-- --rps 200 --duration 30 --decoder sleep:5 --concurrency 16 --modes bullmq,in-process --logging-rows 200000 --out DIR]
 *
 * Platform overhead per request = total latency − decode time, read back from the LOGGED
 * timings in request_log, at a steady request rate through the real path:
 * HTTP → auth/validation → GrowthBook assignment → queue (BullMQ on Redis, or in-process) →
 * worker → request-log writer. Real decoding cannot sustain 200 requests/s on two cores, so the
 * decoder is a constant-cost stand-in (`sleep:N`) by default: it isolates the platform's share.
 * Then runs the logging throughput bench (scripts/bench-logging.ts) when present.
 * Writes DIR/bench-serving.json (and DIR/bench-logging.json): a scratch folder unless --out DIR
 * is given (the committed run is in experiments/results).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRedis } from '../server/queue/redis';
import { loadConfig } from '../server/config';
import { parseDecoderSpec } from '../test/support/stand-in-decoders';
import type { ResolvedDatabase } from '../server/db/resolve-database';
import { CliError, numberArg, outputDir, parseCli, runCli } from './lib/cli';
import { loadProblems, runTraffic } from './traffic-runner';
import { BENCH_KEYS, dist, startPlatform, type Dist } from './bench/serving-harness';

const ROOT = path.resolve(__dirname, '..');

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
  const platform = await startPlatform({
    mode: opts.mode,
    databaseUrl: opts.db.url,
    redisUrl: opts.redisUrl,
    decoder: opts.decoderSpec,
    env: { QUEUE_MAX_PENDING: '100000', WORKER_CONCURRENCY: String(opts.concurrency), SOLVE_TIMEOUT_MS: '30000' },
  });
  try {
    for (const key of ['bench-warmup', 'bench']) await platform.createExperiment(key, 0.5);
    const problems = loadProblems(path.join(ROOT, 'experiments/test.jsonl'));
    const traffic = { url: platform.url, key: BENCH_KEYS.SERVICE_API_KEY, rps: opts.rps, problems };
    process.stderr.write(`[${opts.mode}] warm-up ${opts.warmupS} s …\n`);
    await runTraffic({ ...traffic, durationS: opts.warmupS, experiment: 'bench-warmup' });
    process.stderr.write(`[${opts.mode}] measuring ${opts.rps} req/s for ${opts.durationS} s …\n`);
    const report = await runTraffic({
      ...traffic,
      durationS: opts.durationS,
      experiment: 'bench',
      onProgress: (p) => process.stderr.write(`\r  ${p.elapsedS.toFixed(0).padStart(3)} s  sent ${p.sent}  done ${p.completed}  failed ${p.failed}  in flight ${p.inFlight}   `),
    });
    process.stderr.write('\n');
    // Graceful stops flush the request log.
    await platform.stop();
    const rows = await platform.query<{ latency_ms: number; decode_ms: number; queue_wait_ms: number }>(
      `SELECT latency_ms, decode_ms, queue_wait_ms FROM request_log WHERE experiment = 'bench' AND status = 'ok'`,
    );
    return {
      mode: opts.mode,
      decoder: opts.decoderSpec,
      rps: opts.rps,
      durationS: opts.durationS,
      concurrency: opts.concurrency,
      client: { sent: report.sent, completed: report.completed, failed: report.failed, shed: report.shed, byStatus: report.byStatus },
      loggedRows: rows.length,
      overheadMs: dist(rows.map((r) => r.latency_ms - r.decode_ms)),
      queueWaitMs: dist(rows.map((r) => r.queue_wait_ms)),
      decodeMs: dist(rows.map((r) => r.decode_ms)),
      totalMs: dist(rows.map((r) => r.latency_ms)),
    };
  } finally {
    await platform.dispose();
  }
}

/**
 * Raw BullMQ round trip on the same Redis, at the same rate: add → a no-op worker → the
 * completion event back at the producer. The floor any platform on BullMQ pays; the
 * platform's overhead is judged against it, measured in the same run on the same machine.
 */
async function rawBullmq(opts: { redisUrl: string; rps: number; durationS: number; concurrency: number }): Promise<Dist> {
  const { Queue, QueueEvents, Worker } = await import('bullmq');
  const prefix = `raw_${randomBytes(4).toString('hex')}`;
  const conn = () => createRedis(opts.redisUrl);
  const [qc, wc, ec] = [conn(), conn(), conn()];
  const queue = new Queue('raw', { connection: qc, prefix, defaultJobOptions: { removeOnComplete: true } });
  const events = new QueueEvents('raw', { connection: ec, prefix });
  const worker = new Worker('raw', async () => 'ok', { connection: wc, prefix, concurrency: opts.concurrency });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
  const waiting = new Map<string, number>();
  const rtt: number[] = [];
  events.on('completed', ({ jobId }) => {
    const t = waiting.get(jobId);
    if (t !== undefined) {
      rtt.push(performance.now() - t);
      waiting.delete(jobId);
    }
  });
  const total = Math.round(opts.rps * opts.durationS);
  for (let i = 0; i < total; i++) {
    const id = `j${i}`;
    waiting.set(id, performance.now());
    void queue.add('raw', {}, { jobId: id });
    await new Promise((r) => setTimeout(r, 1000 / opts.rps));
  }
  for (let i = 0; i < 100 && waiting.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  for (const c of [qc, wc, ec]) c.disconnect();
  return dist(rtt);
}

const cli = {
  name: 'bench:serving',
  usage: `[--rps R] [--duration S] [--warmup S] [--decoder sleep:MS|onnx] [--concurrency C] [--modes LIST] [--logging-rows N] [--skip-logging] [--out DIR]
  --rps           requests per second (default 200)
  --duration      measured seconds per mode (default 30)
  --warmup        warm-up seconds per mode (default 3)
  --decoder       sleep:MS, a constant-cost stand-in (default sleep:5), or the real models
  --concurrency   worker slots (default 16)
  --modes         comma list of bullmq, in-process (default both)
  --logging-rows  rows for the request-log throughput run afterwards (default 200000)
  --skip-logging  skip that run
  --out           results folder (default: a new scratch folder)`,
  options: {
    rps: { type: 'string', default: '200' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    decoder: { type: 'string', default: 'sleep:5' },
    concurrency: { type: 'string', default: '16' },
    modes: { type: 'string', default: 'bullmq,in-process' },
    'logging-rows': { type: 'string', default: '200000' },
    'skip-logging': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
} as const;

async function main(): Promise<void> {
  const { values } = parseCli(cli);
  for (const name of ['rps', 'duration', 'warmup', 'concurrency', 'logging-rows'] as const) numberArg(name, values[name], { min: 0 });
  const modes = values.modes.split(',').map((m) => m.trim());
  const unknown = modes.filter((m) => m !== 'bullmq' && m !== 'in-process');
  if (unknown.length > 0) throw new CliError(`--modes: unknown mode ${unknown.join(', ')} (bullmq, in-process)`);
  const outDir = outputDir('bench-serving', values.out);
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
  let raw: Dist | null = null;
  try {
    if (modes.includes('bullmq')) {
      process.stderr.write(`[raw bullmq] ${values.rps} jobs/s for ${values.duration} s, no-op worker …\n`);
      raw = await rawBullmq({ redisUrl, rps: Number(values.rps), durationS: Number(values.duration), concurrency: Number(values.concurrency) });
    }
    for (const mode of modes as ('bullmq' | 'in-process')[]) {
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
  if (raw) console.log(`\nraw BullMQ round trip (add → no-op worker → completion event): p50 ${f(raw.p50)} ms, p90 ${f(raw.p90)} ms, p99 ${f(raw.p99)} ms over ${raw.n} jobs`);
  console.log(`\nplatform overhead = logged total − logged decode (ms), ${values.rps} req/s for ${values.duration} s, decoder ${values.decoder}`);
  console.log('queue        rows   ok/sent     overhead p50  p90    p99    max     queue-wait p99  total p99   bar');
  for (const r of results) {
    const bar = r.mode === 'bullmq' ? (raw ? `p99 ≤ 1.5× raw (${f(1.5 * raw.p99)} ms): ${r.overheadMs.p99 <= 1.5 * raw.p99 ? 'PASS' : 'FAIL'}` : '–') : `p99 ≤ 2 ms: ${r.overheadMs.p99 <= 2 ? 'PASS' : 'FAIL'}`;
    console.log(
      `${r.mode.padEnd(11)}  ${String(r.loggedRows).padEnd(5)}  ${`${r.client.completed}/${r.client.sent}`.padEnd(10)}  ${f(r.overheadMs.p50).padEnd(12)}  ${f(r.overheadMs.p90).padEnd(5)}  ${f(r.overheadMs.p99).padEnd(5)}  ${f(r.overheadMs.max).padEnd(6)}  ${f(r.queueWaitMs.p99).padEnd(14)}  ${f(r.totalMs.p99).padEnd(9)}  ${bar}`,
    );
  }

  let logging: unknown = null;
  const loggingScript = path.join(ROOT, 'scripts/bench-logging.ts');
  if (!values['skip-logging'] && existsSync(loggingScript)) {
    console.log(`\nrequest-log throughput: npm run bench:logging -- --rows ${values['logging-rows']}`);
    const r = spawnSync('npx', ['tsx', loggingScript, '--rows', values['logging-rows'], '--out', outDir], { cwd: ROOT, stdio: 'inherit', env: process.env });
    const file = path.join(outDir, 'bench-logging.json');
    logging = { exitCode: r.status, result: existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null };
  }

  const outFile = path.join(outDir, 'bench-serving.json');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    outFile,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        note:
          spec.kind === 'sleep'
            ? `decoder is a constant-cost stand-in (${values.decoder}); overhead = request_log.latency_ms − request_log.decode_ms`
            : 'real decoder; overhead = request_log.latency_ms − request_log.decode_ms',
        cpus: require('node:os').cpus().length,
        rawBullmq: raw,
        serving: results,
        logging,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${outFile}`);
}

runCli(cli.name, main);
