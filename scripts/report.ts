/**
 * npm run report -- --experiment KEY [--out DIR] [--stage n|all]
 * Writes DIR/KEY.html (self-contained) and DIR/KEY.md; default DIR experiments/results/reports.
 * Exit 2 on bad usage or an unknown experiment, 1 on other failures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createKpiRepository } from '../server/analysis/kpi-repository';
import { createKpiService, type StageSelector } from '../server/analysis/kpi-service';
import { loadConfig } from '../server/config';
import { createPgPool, resolveDatabase } from '../server/db';
import { isAppError } from '../server/errors';
import { createReportRepository, loadReportData, renderReport } from '../server/report';

const USAGE = 'usage: npm run report -- --experiment KEY [--out DIR] [--stage n|all]';

function fail(message: string): never {
  process.stderr.write(`report: ${message}\n`);
  process.exit(2);
}

export function parseArgs(argv: string[]): { experiment: string; out: string; stage: StageSelector } {
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(experiment|out|stage)(?:=(.*))?$/.exec(a);
    if (!m) fail(`unknown argument ${a}\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined || value.startsWith('--')) fail(`--${m[1]} needs a value\n${USAGE}`);
    opts[m[1]!] = value;
  }
  if (!opts.experiment) fail(`--experiment is required\n${USAGE}`);
  const stageText = opts.stage ?? 'all';
  if (stageText !== 'all' && !/^\d+$/.test(stageText)) fail(`--stage must be a stage number or "all", got ${stageText}`);
  return {
    experiment: opts.experiment,
    out: path.resolve(opts.out ?? path.join('experiments', 'results', 'reports')),
    stage: stageText === 'all' ? 'all' : Number(stageText),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const db = await resolveDatabase(config);
  const pool = createPgPool({ url: db.url, schema: db.schema, max: 4 });
  try {
    const kpi = createKpiService({ repo: createKpiRepository({ pool }), clock: Date.now, cache: false });
    const data = await loadReportData({ kpi, repo: createReportRepository({ pool }), clock: Date.now }, args.experiment, args.stage);
    const report = renderReport(data);
    mkdirSync(args.out, { recursive: true });
    const base = path.join(args.out, args.experiment.replace(/[^A-Za-z0-9._-]/g, '_'));
    writeFileSync(`${base}.html`, report.html);
    writeFileSync(`${base}.md`, report.markdown);
    process.stdout.write(`${report.recommendation.headline}\nwrote ${base}.html\nwrote ${base}.md\n`);
  } finally {
    await pool.end().catch(() => undefined);
    await db.stop();
  }
}

main().catch((e: unknown) => {
  if (isAppError(e) && (e.status === 404 || e.status === 400)) {
    process.stderr.write(`report: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`report: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
