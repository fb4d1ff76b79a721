/**
 * `npm start` — the quickstart: Postgres (embedded unless DATABASE_URL), migrations, the API
 * with the ops console (in-process queue unless REDIS_URL), models warmed up, then the demo:
 * the demo experiment's rollout on the demo plan (seconds per stage) under live traffic, with
 * each decision of the gate printed as it is taken (start/run-demo.ts); then it serves until Ctrl-C.
 *
 * Ctrl-C closes in order: HTTP, queue, request log, pools, and the embedded Postgres last (it
 * runs in its own process group, so the terminal's signal reaches this process only).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatFatal } from '../server/app/report-fatal';
import { CliError, numberArg, parseCli } from './lib/cli';
import { createTerminal } from './start/terminal';

const ROOT = path.resolve(__dirname, '..');

const spec = {
  name: 'start',
  command: 'npm start',
  usage: `[--rps R] [--requests N] [--problems FILE] [--new-demo] [--no-demo] [--exit-after-demo]
  --rps R            demo traffic, requests per second (default 4)
  --requests N       at most N demo requests (default 1200, 5 minutes at 4/s); the traffic
                     ends sooner when the demo rollout ships or rolls back
  --problems FILE    questions with reference answers (default experiments/test.jsonl)
  --new-demo         start a fresh demo experiment (demo-2, …) instead of continuing the last one
  --no-demo          serve only: no demo rollout and no demo traffic
  --exit-after-demo  stop once the demo traffic is over (CI)
environment (README, Configuration): PORT, HOST, DATABASE_URL (unset: embedded Postgres in
  EMBEDDED_PG_DIR on EMBEDDED_PG_PORT), REDIS_URL (unset: in-process queue),
  GATE_EVAL_INTERVAL_MS (5000 here unless set), LOG_LEVEL (warn here unless set)`,
  options: {
    rps: { type: 'string' },
    requests: { type: 'string' },
    problems: { type: 'string' },
    'new-demo': { type: 'boolean', default: false },
    'no-demo': { type: 'boolean', default: false },
    'exit-after-demo': { type: 'boolean', default: false },
  },
} as const;

const term = createTerminal();

function ensurePrismaClient(): void {
  if (existsSync(path.join(ROOT, 'server/generated/prisma/client.ts'))) return;
  term.say('• generating the Prisma client …');
  const r = spawnSync('bash', ['scripts/prisma-generate.sh'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new CliError('generating the Prisma client failed (bash scripts/prisma-generate.sh)');
}

async function main(): Promise<void> {
  const { values } = parseCli(spec);
  const rps = numberArg('rps', values.rps, { min: 0.1, max: 100 }) ?? 4;
  const requests = numberArg('requests', values.requests, { min: 1, max: 1_000_000, integer: true }) ?? 1200;
  const problemsFile = path.resolve(values.problems ?? path.join(ROOT, 'experiments/test.jsonl'));
  if (!existsSync(problemsFile)) throw new CliError(`--problems: ${problemsFile} does not exist`);
  ensurePrismaClient();
  // Loaded after generation: the wiring imports the generated client.
  const { loadConfig } = require('../server/config') as typeof import('../server/config');
  const { createLogger } = require('../server/observability/logger') as typeof import('../server/observability/logger');
  const { createAppContext } = require('../server/app/create-app-context') as typeof import('../server/app/create-app-context');
  const { loadProblems, formatSummary } = require('./traffic-runner') as typeof import('./traffic-runner');
  const { assertPortFree } = require('./start/port-check') as typeof import('./start/port-check');
  const { runDemo } = require('./start/run-demo') as typeof import('./start/run-demo');
  const { onStopSignal } = require('../server/app/run-until-signal') as typeof import('../server/app/run-until-signal');
  const { bannerLines, rolloutState } = require('./start/demo-output') as typeof import('./start/demo-output');

  // The quickstart's console output is its interface: the JSON log shows warnings only, and the
  // gate looks every 5 s so the demo's stages of seconds move, unless the environment says otherwise.
  const config = loadConfig(undefined, undefined, { LOG_LEVEL: 'warn', GATE_EVAL_INTERVAL_MS: '5000' });
  const logger = createLogger({ level: config.logLevel, name: 'specs-start' });
  const problems = loadProblems(problemsFile);
  const serviceKey = config.apiKeys.service;
  if (!values['no-demo'] && !serviceKey) throw new CliError('the demo traffic needs SERVICE_API_KEY (set it, or set no key at all for the development keys), or pass --no-demo');
  await assertPortFree(config.http.host, config.http.port);

  let ctx: import('../server/app/create-app-context').AppContext | undefined;
  let stopping = false;
  const closeAndExit = (code: number) => {
    const c = ctx;
    ctx = undefined;
    if (!c) process.exit(code);
    c.close().then(
      () => {
        term.say('• stopped');
        process.exit(code);
      },
      (err: unknown) => {
        term.say(`• shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  onStopSignal((kind) => {
    if (kind === 'now') {
      term.say('• quitting at once');
      process.exit(130);
    }
    stopping = true;
    term.say();
    term.say('• stopping: requests in flight finish, the request log is flushed, then Postgres stops … (Ctrl-C again to quit at once)');
    // Before the app exists, main() closes it as soon as startup returns.
    if (ctx) closeAndExit(0);
  });

  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  const url = `http://${host}:${config.http.port}`;
  const adminKey = config.apiKeys.admin?.startsWith('dev-') ? config.apiKeys.admin : 'your ADMIN_API_KEY';
  term.say(`• SPECS A/B quickstart: the console will be at ${url}/ (API key for it: ${adminKey})`);
  term.say(`• ${config.database.url ? 'connecting to DATABASE_URL' : 'starting the embedded Postgres'}, applying migrations, loading the models and warming them up`);
  term.say('  (each variant solves a few questions first, so one-time start-up costs stay out of the latency comparison) …');
  ctx = await createAppContext(config, { role: 'api', logger, warmUp: true });
  if (stopping) return closeAndExit(0);
  const app = ctx;
  try {
    const db = app.database.embeddedInfo;
    if (db) {
      const moved = db.relocatedFrom ? ` (the postgres OS user cannot enter ${path.relative(process.cwd(), db.relocatedFrom) || db.relocatedFrom} here)` : '';
      term.say(`• database: embedded Postgres on 127.0.0.1:${db.port}, data in ${db.dataDir}${moved}${db.joined ? '; joined the server already running on it' : ''}`);
    } else term.say(`• database: DATABASE_URL, schema ${app.database.schema}`);
    const queue = app.queueMode === 'bullmq' ? 'BullMQ on REDIS_URL (npm run worker runs the decode workers)' : 'in-process (no REDIS_URL)';
    term.say(`• queue: ${queue}; the rollout gate evaluates every ${config.rollout.evalIntervalMs / 1000} s (GATE_EVAL_INTERVAL_MS)`);
    await app.listen();

    if (values['no-demo']) {
      for (const l of bannerLines(url, config, null)) term.say(l);
      term.say('• serving (--no-demo); Ctrl-C to stop');
      return;
    }
    const { key, report, view } = await runDemo(
      {
        experiments: app.experiments,
        rollout: app.rollout,
        actor: { name: 'npm-start', role: 'admin' },
        term,
        logger,
        url,
        serviceKey: serviceKey!,
        problems,
        stopped: () => stopping,
        onReady: (setup) => {
          for (const l of bannerLines(url, config, setup.key)) term.say(l);
          for (const note of setup.notes) term.say(`• ${note}`);
          term.say(`• demo traffic: ${rps} requests/s from ${path.relative(process.cwd(), problemsFile)}, each with its reference answer (so every answer is graded),`);
          term.say(`  until the rollout ships or rolls back, at most ${requests} requests; the gate's decisions:`);
        },
      },
      { rps, requests, maxInFlight: Math.max(4, config.worker.concurrency * 8), fresh: values['new-demo'] },
    );
    if (stopping) return;
    term.say();
    term.say(`• demo traffic over. ${formatSummary(report).split('\n').join('\n  ')}`);
    term.say(`• rollout of "${key}": ${rolloutState(view)}. The decision log, the gate's checks and the charts are in the console.`);
    if (values['exit-after-demo']) {
      stopping = true;
      return closeAndExit(0);
    }
    term.say(`• serving until Ctrl-C; more traffic: npm run traffic -- --experiment ${key} --rps 4 --duration 60`);
  } catch (err) {
    // Pools, then Postgres, stop in order before the error is reported.
    ctx = undefined;
    await app.close().catch(() => undefined);
    throw err;
  }
}

main().catch((err: unknown) => {
  term.say();
  process.stderr.write(`${err instanceof CliError ? `npm start: ${err.message}` : formatFatal('npm start', err)}\n`);
  process.exit(err instanceof CliError ? 2 : 1);
});
