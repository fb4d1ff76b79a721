/**
 * `npm start` — the quickstart: Postgres (embedded unless DATABASE_URL), migrations,
 * the API (in-process queue unless REDIS_URL), a demo experiment at 50% SPECS,
 * a short demo traffic run with a per-variant summary, then serve until Ctrl-C.
 *   --exit-after-demo   stop after the demo (CI)
 *   --requests N        demo size (default 30)   --rps R  demo rate (default 2)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(__dirname, '..');

function ensurePrismaClient(): void {
  if (existsSync(path.join(ROOT, 'server/generated/prisma/client.ts'))) return;
  console.log('• generating the Prisma client …');
  const r = spawnSync('npm', ['run', '--silent', 'prisma:generate'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run prisma:generate failed');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'exit-after-demo': { type: 'boolean', default: false },
      requests: { type: 'string', default: '30' },
      rps: { type: 'string', default: '2' },
      problems: { type: 'string', default: path.join(ROOT, 'experiments/test.jsonl') },
    },
  });
  ensurePrismaClient();
  // Loaded after generation: the wiring imports the generated client.
  const { loadConfig } = require('../server/config') as typeof import('../server/config');
  const { createLogger } = require('../server/observability/logger') as typeof import('../server/observability/logger');
  const { createAppContext } = require('../server/app/create-app-context') as typeof import('../server/app/create-app-context');
  const { closeOnSignal } = require('../server/app/run-until-signal') as typeof import('../server/app/run-until-signal');
  const { formatSummary, loadProblems, runTraffic } = require('./traffic-runner') as typeof import('./traffic-runner');

  // The quickstart's own console output is the interface; keep the JSON log to warnings unless LOG_LEVEL says otherwise.
  const config = loadConfig(undefined, undefined, { LOG_LEVEL: 'warn' });
  const logger = createLogger({ level: config.logLevel, name: 'specs-start' });
  console.log(`• database: ${config.database.url ? 'DATABASE_URL' : `embedded Postgres in ${path.relative(ROOT, config.database.embeddedDir)}`} · queue: ${config.redis.url ? 'BullMQ on REDIS_URL' : 'in-process'}`);
  console.log('• migrating and loading models …');
  const ctx = await createAppContext(config, { role: 'api', logger });
  closeOnSignal(() => ctx.close(), logger);
  const { url } = await ctx.listen();

  const actor = { name: 'quickstart', role: 'admin' as const };
  const experiments = ctx.experiments!;
  const demo = (await experiments.list()).find((e) => e.key === 'demo');
  if (!demo) {
    await experiments.create({ key: 'demo', name: 'Demo: SPECS vs beam search', specsShare: 0.5 }, actor);
    console.log('• created experiment "demo" at 50% SPECS');
  } else if (demo.status !== 'running') {
    console.log(`• experiment "demo" exists (${demo.status}); the demo traffic needs it running — resuming`);
    if (demo.status === 'paused' || demo.status === 'draft') await experiments.resume('demo', actor);
  }

  const problems = loadProblems(values.problems);
  const n = Number(values.requests);
  const rps = Number(values.rps);
  const serviceKey = config.apiKeys.service;
  if (!serviceKey) throw new Error('SERVICE_API_KEY is needed for the demo traffic');
  console.log(`• demo traffic: ${n} requests at ${rps}/s from ${path.relative(ROOT, values.problems)} (with references)`);
  const report = await runTraffic({
    url,
    key: serviceKey,
    rps,
    durationS: n / rps + 0.5,
    maxRequests: n,
    maxInFlight: Math.max(2, config.worker.concurrency * 4),
    problems,
    experiment: 'demo',
    onProgress: (p) =>
      process.stdout.write(`\r  ${p.elapsedS.toFixed(0).padStart(3)} s  sent ${p.sent}/${n}  done ${p.completed}  failed ${p.failed}  in flight ${p.inFlight}   `),
  });
  process.stdout.write('\n');
  console.log(formatSummary(report));
  console.log(`
  API        ${url}            (keys: admin ${config.apiKeys.admin ?? '<ADMIN_API_KEY>'}, service ${serviceKey})
  Console    ${url}/
  Metrics    ${url}/metrics
  Features   ${url}/api/features   (GrowthBook payload)
  Try        curl -s -H 'Authorization: Bearer ${serviceKey}' -H 'content-type: application/json' \\
               -d '{"question":"12+7*3","reference":33}' ${url}/v1/solve`);
  if (values['exit-after-demo']) {
    await ctx.close();
    return;
  }
  console.log('\n• serving; Ctrl-C to stop');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
