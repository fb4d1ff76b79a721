/**
 * Grid search of a strategy's settings on the validation set, the same budget for the
 * baseline and for SPECS. Every setting runs on every problem with the problem's seed,
 * interleaved, so they see the same noise.
 */
import type { Decoder } from '../../../server/decoding/decoder';
import type { SolveOptionsInput } from '../../../server/decoding/options';
import { grade } from '../../../server/task/grader';
import type { BenchProblem } from './bench-runner';
import { mean, wilson } from './stats';

export type TunedStrategy = 'beam-target' | 'specs';
export type Setting = Readonly<Record<string, number | string>>;

export interface TuningRow {
  readonly setting: Setting;
  readonly accuracy: number;
  readonly accuracyCi: [number, number];
  readonly latencyMs: number;
  /** latency / the reference's latency on the same problems (SPECS: the tuned baseline). */
  readonly relativeLatency: number | null;
  readonly draftAcceptance: number | null;
  readonly fallbacksPerProblem: number;
}

export interface TuningResult {
  readonly strategy: TunedStrategy;
  readonly n: number;
  readonly reference: { strategy: string; accuracy: number; latencyMs: number } | null;
  readonly rows: TuningRow[];
  readonly best: TuningRow;
  readonly rule: string;
}

/** Every combination of the axes' values. */
export function grid(axes: Readonly<Record<string, readonly (number | string)[]>>): Setting[] {
  return Object.entries(axes).reduce<Setting[]>((acc, [key, values]) => acc.flatMap((s) => values.map((v) => ({ ...s, [key]: v }))), [{}]);
}

export const TUNING_RULES: Readonly<Record<TunedStrategy, string>> = Object.freeze({
  'beam-target': 'highest accuracy (ties: faster)',
  specs:
    'highest accuracy among settings at ≤ 0.6× the tuned baseline latency (ties: faster); if none qualifies, the fastest setting within 2 points of the best accuracy',
});

/** Pure choice of the recommended setting. */
export function pickBest(strategy: TunedStrategy, rows: readonly TuningRow[]): TuningRow {
  const byAccThenSpeed = (a: TuningRow, b: TuningRow) => b.accuracy - a.accuracy || a.latencyMs - b.latencyMs;
  if (strategy === 'beam-target') return [...rows].sort(byAccThenSpeed)[0]!;
  const fast = rows.filter((r) => r.relativeLatency !== null && r.relativeLatency <= 0.6);
  if (fast.length > 0) return [...fast].sort(byAccThenSpeed)[0]!;
  const top = Math.max(...rows.map((r) => r.accuracy));
  return [...rows].filter((r) => r.accuracy >= top - 0.02).sort((a, b) => a.latencyMs - b.latencyMs)[0]!;
}

export async function tune(args: {
  decoder: Pick<Decoder, 'solve'>;
  problems: readonly BenchProblem[];
  strategy: TunedStrategy;
  settings: readonly Setting[];
  /** Run once per problem for relative latency (SPECS is tuned against the baseline as shipped). */
  reference?: SolveOptionsInput;
  n: number;
  seed: number;
  onProblem?: (done: number, total: number) => void;
}): Promise<TuningResult> {
  const ref = { correct: [] as boolean[], latency: [] as number[] };
  const per = args.settings.map(() => ({ correct: [] as boolean[], latency: [] as number[], acceptance: [] as number[], fallbacks: [] as number[] }));
  const right = (text: string, answer: number) => grade(text.slice(text.indexOf('\n') + 1), answer);
  for (const [i, p] of args.problems.entries()) {
    const seed = (args.seed + i) >>> 0;
    if (args.reference) {
      const r = await args.decoder.solve(p.question, { ...args.reference, n: args.n, seed });
      ref.correct.push(right(r.text, p.answer));
      ref.latency.push(r.latencyMs);
    }
    for (const [k, setting] of args.settings.entries()) {
      const r = await args.decoder.solve(p.question, { strategy: args.strategy, n: args.n, seed, ...setting } as SolveOptionsInput);
      const acc = per[k]!;
      acc.correct.push(right(r.text, p.answer));
      acc.latency.push(r.latencyMs);
      if (r.draftAcceptance !== null) acc.acceptance.push(r.draftAcceptance);
      acc.fallbacks.push(r.fallbacks);
    }
    args.onProblem?.(i + 1, args.problems.length);
  }
  const refLatency = args.reference ? mean(ref.latency) : null;
  const rows: TuningRow[] = args.settings.map((setting, k) => {
    const acc = per[k]!;
    const correct = acc.correct.filter(Boolean).length;
    const latencyMs = mean(acc.latency);
    return {
      setting,
      accuracy: correct / acc.correct.length,
      accuracyCi: wilson(correct, acc.correct.length),
      latencyMs,
      relativeLatency: refLatency === null ? null : latencyMs / refLatency,
      draftAcceptance: acc.acceptance.length ? mean(acc.acceptance) : null,
      fallbacksPerProblem: mean(acc.fallbacks),
    };
  });
  return {
    strategy: args.strategy,
    n: args.n,
    reference: args.reference
      ? { strategy: args.reference.strategy, accuracy: ref.correct.filter(Boolean).length / Math.max(1, ref.correct.length), latencyMs: refLatency! }
      : null,
    rows,
    best: pickBest(args.strategy, rows),
    rule: TUNING_RULES[args.strategy],
  };
}

export function tuningMarkdown(r: TuningResult, meta: { problems: number; file: string }): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const keys = Object.keys(r.rows[0]?.setting ?? {});
  const settingText = (s: Setting) => keys.map((k) => `${k}=${s[k]}`).join(', ');
  const lines = [
    `# ${r.strategy} tuning (validation set)`,
    '',
    `${meta.problems} problems from \`${meta.file}\`, n = ${r.n}, ${r.rows.length} settings.` +
      (r.reference ? ` Reference ${r.reference.strategy} (as shipped): accuracy ${pct(r.reference.accuracy)}, mean latency ${r.reference.latencyMs.toFixed(1)} ms.` : ''),
    '',
    `Rule: ${r.rule}.`,
    '',
    `**Chosen: ${settingText(r.best.setting)}** (accuracy ${pct(r.best.accuracy)}${r.best.relativeLatency === null ? '' : `, ${r.best.relativeLatency.toFixed(2)}× the reference latency`}).`,
    '',
    `| ${keys.join(' | ')} | accuracy | 95% CI | mean ms | × reference | acceptance | fallbacks |`,
    `| ${keys.map(() => '---:').join(' | ')} | ---: | --- | ---: | ---: | ---: | ---: |`,
    ...[...r.rows]
      .sort((a, b) => b.accuracy - a.accuracy || a.latencyMs - b.latencyMs)
      .map(
        (x) =>
          `| ${keys.map((k) => x.setting[k]).join(' | ')} | ${pct(x.accuracy)} | ${pct(x.accuracyCi[0])}–${pct(x.accuracyCi[1])} | ${x.latencyMs.toFixed(1)} | ${x.relativeLatency === null ? '-' : x.relativeLatency.toFixed(2)} | ${x.draftAcceptance === null ? '-' : pct(x.draftAcceptance)} | ${x.fallbacksPerProblem.toFixed(2)} |`,
      ),
  ];
  return lines.join('\n') + '\n';
}
