/**
 * npm run sim:rollout -- --scenario FILE|DIR [--runs N] [--seed S] [--out DIR]
 * Operating characteristics of a rollout plan under simulated traffic, through the
 * service's own gate (server/rollout/rollout-simulator.ts). A folder runs every *.json
 * scenario in it. Writes DIR/<scenario>/summary.json, DIR/summary.md (table) and
 * DIR/summary.svg (chart); results go to a scratch folder unless --out is given.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { barChart } from '../server/analysis/charts/svg-chart';
import { createRng } from '../server/analysis/stats';
import { defaultPlan } from '../server/rollout/rollout-plan';
import { scenarioSchema, simulateRollout, type Scenario, type SimulationSummary } from '../server/rollout/rollout-simulator';
import { CliError, numberArg, outputDir, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'sim:rollout',
  usage: `--scenario FILE|DIR [--runs N] [--seed S] [--out DIR]
  --scenario  a scenario JSON file, or a folder of them (experiments/scenarios)
  --runs      simulated rollouts per scenario (default 400)
  --seed      random seed (default 1)
  --out       results folder (default: a new scratch folder)`,
  options: { scenario: { type: 'string' }, runs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
} as const;

function loadScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const hours = (x: number | null) => (x === null ? '–' : x < 1 ? `${Math.round(60 * x)} min` : `${x.toFixed(1)} h`);

function table(summaries: SimulationSummary[]): string {
  const rows = summaries.map(
    (s) =>
      `| ${s.scenario} | ${s.ratePerMinute.toLocaleString('en-US')} | ${s.runs} | ${pct(s.shipped)} | ${pct(s.rolledBack)} | ${pct(s.stuck)} | ${hours(s.hoursToShip.p50)} / ${hours(s.hoursToShip.p90)} | ${hours(s.hoursToRollback.p50)} / ${hours(s.hoursToRollback.p90)} | ${Object.entries(s.rollbackReasons).map(([k, v]) => `${k} ${pct(v)}`).join(', ') || '–'} |`,
  );
  return [
    '| scenario | requests/min | runs | shipped | rolled back | stuck | hours to ship p50 / p90 | hours to roll back p50 / p90 | rollback reasons |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}

runCli(spec.name, () => {
  const { values } = parseCli(spec);
  if (!values.scenario) throw new CliError('--scenario is required (a file or a folder of scenario files)');
  if (!existsSync(values.scenario)) throw new CliError(`--scenario: ${values.scenario} does not exist`);
  const runs = numberArg('runs', values.runs, { min: 1, max: 100_000, integer: true }) ?? 400;
  const seed = numberArg('seed', values.seed, { min: 0, max: 2 ** 32 - 1, integer: true }) ?? 1;
  const files = statSync(values.scenario).isDirectory()
    ? readdirSync(values.scenario).filter((f) => f.endsWith('.json')).sort().map((f) => join(values.scenario!, f))
    : [values.scenario];
  if (files.length === 0) throw new CliError(`--scenario: no *.json files in ${values.scenario}`);
  const scenarios = files.map(loadScenario);
  const out = outputDir('sim-rollout', values.out);
  const summaries: SimulationSummary[] = [];
  for (const [i, scenario] of scenarios.entries()) {
    const started = Date.now();
    const label = `[${i + 1}/${scenarios.length}] ${scenario.name}`;
    const { summary } = simulateRollout(scenario, {
      runs,
      seed,
      rng: createRng(seed),
      defaultPlan,
      onProgress: (done, total) => {
        if (done % 10 === 0 || done === total) {
          const s = (Date.now() - started) / 1000;
          process.stderr.write(`\r${label}: ${done}/${total} runs, ${s.toFixed(0)} s, eta ${((s / done) * (total - done)).toFixed(0)} s   `);
        }
      },
    });
    process.stderr.write('\n');
    summaries.push(summary);
    const dir = join(out, basename(files[i]!, '.json'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
  const md = `# Rollout simulation (${runs} runs per scenario, seed ${seed})\n\n${table(summaries)}\n`;
  writeFileSync(join(out, 'summary.md'), md);
  writeFileSync(
    join(out, 'summary.svg'),
    barChart({
      title: `Rollout outcomes per scenario (${runs} runs each)`,
      categories: summaries.map((s) => `${s.scenario}`),
      series: [
        { name: 'shipped', values: summaries.map((s) => s.shipped), color: '#2e7d32' },
        { name: 'rolled back', values: summaries.map((s) => s.rolledBack), color: '#c62828' },
        { name: 'stuck at horizon', values: summaries.map((s) => s.stuck), color: '#9e9e9e' },
      ],
      yLabel: 'share of runs',
      format: (v) => `${Math.round(100 * v)} %`,
      width: Math.max(720, 90 * summaries.length),
    }),
  );
  process.stdout.write(`${md}\nresults in ${out}\n`);
});
