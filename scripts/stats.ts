/**
 * npm run --silent stats -- --input FILE
 * Reads one case or an array of cases (JSON), prints the result(s) as JSON.
 * Exit 2 on bad usage or input, with a message naming the field on stderr.
 */
import { readFileSync } from 'node:fs';
import { evaluateStatsInput } from '../server/analysis/stats-case';

function fail(message: string): never {
  process.stderr.write(`stats: ${message}\n`);
  process.exit(2);
}

function main(argv: string[]): void {
  const i = argv.indexOf('--input');
  const file = i >= 0 ? argv[i + 1] : undefined;
  if (!file) fail('usage: npm run --silent stats -- --input FILE');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const outcome = evaluateStatsInput(json);
  if (!outcome.ok) fail(`invalid input in ${file}:\n  ${outcome.errors.join('\n  ')}`);
  process.stdout.write(`${JSON.stringify(outcome.value, null, 2)}\n`);
}

main(process.argv.slice(2));
