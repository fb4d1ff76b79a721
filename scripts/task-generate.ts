/**
 * Writes a seeded problem set as JSONL.
 *   npm run task:generate -- --seed 101 --count 300 --out experiments/validation.jsonl [--with-solutions] [--drills]
 * --drills writes one-operation training drills instead of problems (always with solutions).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateDrills, generateProblems } from '../server/task/index';

function fail(message: string): never {
  process.stderr.write(`task:generate: ${message}\nusage: npm run task:generate -- --seed S --count N --out FILE [--with-solutions] [--drills]\n`);
  process.exit(2);
}

function parseInteger(name: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined) fail(`--${name} is required`);
  if (!/^\d+$/.test(raw)) fail(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) fail(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      seed: { type: 'string' },
      count: { type: 'string' },
      out: { type: 'string' },
      'with-solutions': { type: 'boolean', default: false },
      drills: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  fail((e as Error).message);
}
const seed = parseInteger('seed', values.seed, 0, 2 ** 32 - 1);
const count = parseInteger('count', values.count, 1, 10_000_000);
if (!values.out) fail('--out is required');

const problems = values.drills ? generateDrills(seed, count) : generateProblems(seed, count);
const lines = problems.map((p) =>
  JSON.stringify(values['with-solutions'] || values.drills ? p : { id: p.id, question: p.question, answer: p.answer }),
);
writeFileSync(values.out, lines.join('\n') + '\n');
process.stderr.write(`wrote ${count} problems (seed ${seed}) to ${values.out}\n`);
