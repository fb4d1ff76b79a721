/**
 * npm run test:faults [-- --only NAME[,NAME] --out DIR]
 * The fault suite (test/faults/run-faults.ts): real API and worker processes on their own
 * Postgres and Redis, faults injected one at a time, every check printed as a table.
 * Exit code 1 when any scenario fails. Results go to --out (default: a scratch folder).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runFaultSuite, type FaultResult } from '../test/faults/run-faults';
import { outputDir, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'test:faults',
  usage: `[--only NAME[,NAME]] [--out DIR]
  --only  run only scenarios whose name contains one of these words
  --out   results folder (default: a new scratch folder)`,
  options: { only: { type: 'string' }, out: { type: 'string' } },
} as const;

const yes = (b: boolean | null) => (b === null ? '–' : b ? 'yes' : 'NO');

function table(rows: FaultResult[]): string {
  return [
    '| scenario | requests | 200 | 503 | 504 | no answer | hangs | lost | duplicated | rollups = log | queue drained | gate back after | slowest answer | rollback held | result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- | --- |',
    ...rows.map((r) =>
      `| ${r.scenario} | ${r.requests} | ${r.ok} | ${r.unavailable} | ${r.timedOut} | ${r.noAnswer} | ${r.hangs} | ${r.lost} | ${r.duplicated} | ${yes(r.rollupsMatch)} | ${yes(r.queueDrained)} | ${r.gateBackSeconds === null ? 'NEVER' : `${r.gateBackSeconds.toFixed(1)} s`} | ${r.maxAnswerMs} ms | ${yes(r.rollbackHeld)} | ${r.passed ? 'pass' : '**FAIL**'} |`,
    ),
  ].join('\n');
}

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  const started = Date.now();
  const results = await runFaultSuite({
    only: values.only?.split(',').map((s) => s.trim()),
    log: (line) => process.stderr.write(`[faults ${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`),
  });
  const out = outputDir('test-faults', values.out);
  fs.mkdirSync(out, { recursive: true });
  const md = `# Fault suite (${new Date().toISOString()})\n\n${table(results)}\n${results.flatMap((r) => r.notes.map((n) => `\n- ${r.scenario}: ${n}`)).join('')}\n`;
  fs.writeFileSync(path.join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(out, 'latest.md'), md);
  process.stdout.write(`${md}\nresults in ${out}\n`);
  if (results.length === 0 || results.some((r) => !r.passed)) process.exitCode = 1;
});
