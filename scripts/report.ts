/**
 * npm run report -- --experiment KEY [--out DIR] [--stage n|all]
 * Writes DIR/KEY.html (self-contained) and DIR/KEY.md; DIR defaults to a scratch folder.
 * The recommendation is the gate's verdict on the current stage (RolloutService.assess).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StageSelector } from '../server/analysis/kpi-service';
import { createCliContext } from '../server/app/create-cli-context';
import { loadConfig } from '../server/config';
import { createReportRepository, loadReportData, renderReport } from '../server/report';
import { CliError, outputDir, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'report',
  usage: `--experiment KEY [--out DIR] [--stage n|all]
  --experiment  the experiment's key
  --stage       analysis stage for the descriptive tables, or "all" (default)
  --out         output folder (default: a new scratch folder)`,
  options: { experiment: { type: 'string' }, out: { type: 'string' }, stage: { type: 'string' } },
} as const;

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  if (!values.experiment) throw new CliError('--experiment is required');
  const stageText = values.stage ?? 'all';
  if (stageText !== 'all' && !/^\d+$/.test(stageText)) throw new CliError(`--stage must be a stage number or "all", got ${stageText}`);
  const stage: StageSelector = stageText === 'all' ? 'all' : Number(stageText);
  const out = path.resolve(outputDir('report', values.out));
  const ctx = await createCliContext(loadConfig());
  try {
    const data = await loadReportData(
      { kpi: ctx.kpi, rollout: ctx.rollout.rollout, repo: createReportRepository({ pool: ctx.pool }), clock: ctx.clock },
      values.experiment,
      stage,
    );
    const report = renderReport(data);
    mkdirSync(out, { recursive: true });
    const base = path.join(out, values.experiment.replace(/[^A-Za-z0-9._-]/g, '_'));
    writeFileSync(`${base}.html`, report.html);
    writeFileSync(`${base}.md`, report.markdown);
    process.stdout.write(`${report.recommendation.headline}\nwrote ${base}.html\nwrote ${base}.md\n`);
  } finally {
    await ctx.close();
  }
});
