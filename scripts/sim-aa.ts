/**
 * npm run sim:aa -- [--runs 2000] [--peeks 50] [--batch 100] [--alpha 0.05] [--seed 42] [--tuning 5000] [--out DIR]
 * A/A simulation of false-positive rates under peeking; writes DIR/aa-simulation.{json,svg} and
 * aa-simulation-peeking.svg (DIR: a scratch folder unless --out is given; the committed run is
 * in experiments/results).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, lineChart } from '../server/analysis/charts/svg-chart';
import { createRng, runAaSimulation } from '../server/analysis/stats';
import { numberArg, outputDir, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'sim:aa',
  usage: `[--runs N] [--peeks K] [--batch B] [--alpha A] [--seed S] [--tuning T] [--out DIR]
  --runs    simulated A/A experiments (default 2000)
  --peeks   looks at the data per experiment (default 50)
  --batch   observations per arm between looks (default 100)
  --alpha   significance level (default 0.05)
  --seed    random seed (default 42)
  --tuning  confidence-sequence tuning (default 5000)
  --out     results folder (default: a new scratch folder)`,
  options: { runs: { type: 'string' }, peeks: { type: 'string' }, batch: { type: 'string' }, alpha: { type: 'string' }, seed: { type: 'string' }, tuning: { type: 'string' }, out: { type: 'string' } },
} as const;

runCli(spec.name, () => {
  const { values } = parseCli(spec);
  const runs = numberArg('runs', values.runs, { integer: true, min: 1 }) ?? 2000;
  const peeks = numberArg('peeks', values.peeks, { integer: true, min: 1 }) ?? 50;
  const batchSize = numberArg('batch', values.batch, { integer: true, min: 1 }) ?? 100;
  const alpha = numberArg('alpha', values.alpha, { min: 1e-6, max: 0.5 }) ?? 0.05;
  const seed = numberArg('seed', values.seed, { integer: true, min: 0 }) ?? 42;
  const tuning = numberArg('tuning', values.tuning, { min: 1 }) ?? 5000;
  const dir = outputDir('sim-aa', values.out);
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
});
