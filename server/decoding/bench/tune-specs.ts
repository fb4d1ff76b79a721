import { grade } from '../../task/grader';
import type { Decoder } from '../decoder';
import { mean, wilson } from './stats';
import type { BenchProblem } from './bench-runner';

export interface SpecsParams {
  readonly lambda: number;
  readonly theta: number;
  readonly tau: number;
  readonly selectionTemperature: number;
}

export interface TuningRow extends SpecsParams {
  readonly accuracy: number;
  readonly accuracyCi: [number, number];
  readonly latencyMs: number;
  readonly draftAcceptance: number | null;
  readonly fallbacksPerProblem: number;
  /** latency / beam-target latency on the same problems. */
  readonly relativeLatency: number;
}

export interface TuningResult {
  readonly baseline: { strategy: 'beam-target'; n: number; accuracy: number; latencyMs: number };
  readonly rows: TuningRow[];
  readonly best: TuningRow;
  readonly rule: string;
}

export function grid(axes: { lambda: number[]; theta: number[]; tau: number[]; selectionTemperature: number[] }): SpecsParams[] {
  return axes.lambda.flatMap((lambda) =>
    axes.theta.flatMap((theta) => axes.tau.flatMap((tau) => axes.selectionTemperature.map((selectionTemperature) => ({ lambda, theta, tau, selectionTemperature })))),
  );
}

export const TUNING_RULE =
  'highest accuracy among settings with latency ≤ 0.7× beam-target (ties: faster); if none qualifies, the fastest setting within 2 points of the best accuracy';

/** Pure choice of the recommended setting. */
export function pickBest(rows: readonly TuningRow[]): TuningRow {
  const fast = rows.filter((r) => r.relativeLatency <= 0.7);
  const byAccThenSpeed = (a: TuningRow, b: TuningRow) => b.accuracy - a.accuracy || a.latencyMs - b.latencyMs;
  if (fast.length > 0) return [...fast].sort(byAccThenSpeed)[0]!;
  const top = Math.max(...rows.map((r) => r.accuracy));
  return [...rows].filter((r) => r.accuracy >= top - 0.02).sort((a, b) => a.latencyMs - b.latencyMs)[0]!;
}

/** Runs beam-target and every SPECS setting on each problem, interleaved per problem. */
export async function tuneSpecs(args: {
  decoder: Pick<Decoder, 'solve'>;
  problems: readonly BenchProblem[];
  params: readonly SpecsParams[];
  n: number;
  seed: number;
  onProblem?: (done: number, total: number) => void;
}): Promise<TuningResult> {
  const baseline = { correct: [] as boolean[], latency: [] as number[] };
  const per = args.params.map(() => ({ correct: [] as boolean[], latency: [] as number[], acceptance: [] as number[], fallbacks: [] as number[] }));
  for (const [i, p] of args.problems.entries()) {
    const seed = (args.seed + i) >>> 0;
    const b = await args.decoder.solve(p.question, { strategy: 'beam-target', n: args.n, seed });
    baseline.correct.push(grade(b.text.slice(b.text.indexOf('\n') + 1), p.answer));
    baseline.latency.push(b.latencyMs);
    for (const [k, params] of args.params.entries()) {
      const r = await args.decoder.solve(p.question, { strategy: 'specs', n: args.n, seed, ...params });
      const acc = per[k]!;
      acc.correct.push(grade(r.text.slice(r.text.indexOf('\n') + 1), p.answer));
      acc.latency.push(r.latencyMs);
      if (r.draftAcceptance !== null) acc.acceptance.push(r.draftAcceptance);
      acc.fallbacks.push(r.fallbacks);
    }
    args.onProblem?.(i + 1, args.problems.length);
  }
  const baseLatency = mean(baseline.latency);
  const rows: TuningRow[] = args.params.map((params, k) => {
    const acc = per[k]!;
    const correct = acc.correct.filter(Boolean).length;
    const latencyMs = mean(acc.latency);
    return {
      ...params,
      accuracy: correct / acc.correct.length,
      accuracyCi: wilson(correct, acc.correct.length),
      latencyMs,
      draftAcceptance: acc.acceptance.length ? mean(acc.acceptance) : null,
      fallbacksPerProblem: mean(acc.fallbacks),
      relativeLatency: latencyMs / baseLatency,
    };
  });
  return {
    baseline: { strategy: 'beam-target', n: args.n, accuracy: baseline.correct.filter(Boolean).length / baseline.correct.length, latencyMs: baseLatency },
    rows,
    best: pickBest(rows),
    rule: TUNING_RULE,
  };
}

export function tuningMarkdown(r: TuningResult, meta: { problems: number; file: string; provisional: boolean }): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    '# SPECS tuning (validation set)',
    '',
    `${meta.problems} problems from \`${meta.file}\`, n = ${r.baseline.n}. Baseline beam-target: accuracy ${pct(r.baseline.accuracy)}, mean latency ${r.baseline.latencyMs.toFixed(1)} ms.`,
    meta.provisional ? '\n**Provisional (random-init) models: these numbers mean nothing; rerun with trained models.**' : '',
    '',
    `Rule: ${r.rule}.`,
    '',
    `**Chosen: λ=${r.best.lambda}, θ=${r.best.theta}, τ=${r.best.tau}, T=${r.best.selectionTemperature}** (accuracy ${pct(r.best.accuracy)}, ${r.best.relativeLatency.toFixed(2)}× beam-target latency).`,
    '',
    '| λ | θ | τ | T | accuracy | 95% CI | mean ms | × beam | acceptance | fallbacks |',
    '| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
    ...[...r.rows]
      .sort((a, b) => b.accuracy - a.accuracy || a.latencyMs - b.latencyMs)
      .map(
        (x) =>
          `| ${x.lambda} | ${x.theta} | ${x.tau} | ${x.selectionTemperature} | ${pct(x.accuracy)} | ${pct(x.accuracyCi[0])}–${pct(x.accuracyCi[1])} | ${x.latencyMs.toFixed(1)} | ${x.relativeLatency.toFixed(2)} | ${x.draftAcceptance === null ? '-' : pct(x.draftAcceptance)} | ${x.fallbacksPerProblem.toFixed(2)} |`,
      ),
  ];
  return lines.join('\n') + '\n';
}
