/**
 * npm run task:generate -- --seed S --count N [--out FILE] [--with-solutions] [--drills]
 * Writes a seeded problem set as JSONL (to FILE, or problems.jsonl in a scratch folder).
 * --drills writes one-operation training drills instead of problems (always with solutions).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateDrills, generateProblems } from '../server/task/index';
import { CliError, numberArg, outputDir, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'task:generate',
  usage: `--seed S --count N [--out FILE] [--with-solutions] [--drills]
  --seed            random seed, a whole number (experiments/validation.jsonl: 101, test.jsonl: 202)
  --count           problems to write
  --out             the JSONL file (default: problems.jsonl in a new scratch folder)
  --with-solutions  include the canonical step-by-step solution
  --drills          one-operation training drills instead of problems (with solutions)`,
  options: {
    seed: { type: 'string' },
    count: { type: 'string' },
    out: { type: 'string' },
    'with-solutions': { type: 'boolean', default: false },
    drills: { type: 'boolean', default: false },
  },
} as const;

runCli(spec.name, () => {
  const { values } = parseCli(spec);
  if (values.seed === undefined) throw new CliError('--seed is required');
  if (values.count === undefined) throw new CliError('--count is required');
  const seed = numberArg('seed', values.seed, { integer: true, min: 0, max: 2 ** 32 - 1 })!;
  const count = numberArg('count', values.count, { integer: true, min: 1, max: 10_000_000 })!;
  const out = values.out ?? path.join(outputDir('task-generate', undefined), 'problems.jsonl');
  const problems = values.drills ? generateDrills(seed, count) : generateProblems(seed, count);
  const lines = problems.map((p) => JSON.stringify(values['with-solutions'] || values.drills ? p : { id: p.id, question: p.question, answer: p.answer }));
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${count} problems (seed ${seed}) to ${out}\n`);
});
