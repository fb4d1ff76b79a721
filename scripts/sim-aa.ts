/**
 * npm run sim:aa -- [--runs 2000] [--peeks 50] [--batch 100] [--alpha 0.05] [--seed 42] [--tuning 5000]
 * A/A simulation of false-positive rates under peeking; writes
 * experiments/results/aa-simulation.{json,svg}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, lineChart } from '../server/analysis/charts/svg-chart';
import { createRng, runAaSimulation } from '../server/analysis/stats';

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`sim:aa: --${name} needs a positive number\n`);
    process.exit(2);
  }
  return v;
}

function main(argv: string[]): void {
  const runs = Math.round(arg(argv, 'runs', 2000));
  const peeks = Math.round(arg(argv, 'peeks', 50));
  const batchSize = Math.round(arg(argv, 'batch', 100));
  const alpha = arg(argv, 'alpha', 0.05);
  const seed = Math.round(arg(argv, 'seed', 42));
  const tuning = arg(argv, 'tuning', 5000);
  const started = Date.now();
  const result = runAaSimulation({
    rng: createRng(seed),
    runs,
    peeks,
    batchSize,
    alpha,
    tuning,
    onProgress: (done, total) => process.stderr.write(`\rsim:aa ${done}/${total} runs`),
  });
  process.stderr.write(`\rsim:aa ${runs}/${runs} runs in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const f = result.falsePositiveRate;
  const rows: [string, typeof f.fixedOnce][] = [
    ['fixed horizon, evaluated once at the end', f.fixedOnce],
    ['fixed horizon, stop at first p < α (peeking)', f.fixedPeeking],
    ['sequential CS, stop at first p < α (peeking)', f.sequentialPeeking],
    ['sequential CS, evaluated once at the end', f.sequentialOnce],
  ];
  const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
  const lines = [
    `A/A simulation: ${runs} runs × ${peeks} peeks × ${batchSize} obs/arm per peek, α = ${alpha}, tuning = ${tuning}, seed = ${seed}`,
    '',
    `${'procedure'.padEnd(48)}${'false positives'.padStart(16)}${'rate ± 1 se'.padStart(20)}`,
    ...rows.map(([name, e]) => `${name.padEnd(48)}${String(e.rejections).padStart(16)}${`${pct(e.rate)} ± ${pct(e.standardError)}`.padStart(20)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = join('experiments', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'aa-simulation.json'), `${JSON.stringify({ seed, ...result }, null, 2)}\n`);
  const svg = barChart({
    title: `A/A false-positive rate (${runs} runs, ${peeks} peeks, α = ${alpha})`,
    categories: ['fixed, once', 'fixed, peeking', 'sequential, peeking', 'sequential, once'],
    series: [{ name: 'false-positive rate', values: rows.map(([, e]) => e.rate) }],
    yLabel: 'false-positive rate',
    referenceLines: [{ y: alpha, label: `α = ${alpha}` }],
    format: (v) => `${(100 * v).toFixed(1)}%`,
  });
  writeFileSync(join(dir, 'aa-simulation.svg'), `${svg}\n`);
  const byPeek = lineChart({
    title: 'A/A: share of runs stopped with a false positive, by peek',
    xLabel: 'observations per arm',
    yLabel: 'cumulative false-positive rate',
    series: [
      { name: 'fixed horizon, peeking', points: result.cumulativeByPeek.map((p) => ({ x: p.n, y: p.fixedPeeking })) },
      { name: 'sequential CS, peeking', points: result.cumulativeByPeek.map((p) => ({ x: p.n, y: p.sequentialPeeking })) },
    ],
    referenceLines: [{ y: alpha, label: `α = ${alpha}` }],
  });
  writeFileSync(join(dir, 'aa-simulation-peeking.svg'), `${byPeek}\n`);
  process.stderr.write(`wrote ${dir}/aa-simulation.{json,svg} and aa-simulation-peeking.svg\n`);
}

main(process.argv.slice(2));
