/**
 * npm run --silent stats -- --input FILE
 * Reads one case or an array of cases (JSON), prints the result(s) as JSON.
 * Exit 2 on bad usage or input, with a message naming the field on stderr.
 */
import { readFileSync } from 'node:fs';
import { evaluateStatsInput } from '../server/analysis/stats-case';
import { CliError, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'stats',
  usage: `--input FILE
  --input  a JSON file: one case or an array of cases (server/analysis/stats-case.ts); results go to stdout as JSON`,
  options: { input: { type: 'string' } },
} as const;

runCli(spec.name, () => {
  const { values } = parseCli(spec);
  const file = values.input;
  if (!file) throw new CliError('--input is required');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const outcome = evaluateStatsInput(json);
  if (!outcome.ok) throw new CliError(`invalid input in ${file}: ${outcome.errors.join('; ')}`);
  process.stdout.write(`${JSON.stringify(outcome.value, null, 2)}\n`);
});
