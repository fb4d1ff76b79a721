/**
 * Grid search of a strategy's settings on the validation set, the same budget for the
 * baseline and for SPECS. Every setting runs on every problem with the problem's seed.
 * Without a reference the settings run interleaved in one decoder, so they see the same
 * noise. With one (SPECS against the tuned baseline), each setting has its own pass in a
 * fresh decoder, the reference and the setting interleaved per problem, as the bench runs
 * them: one process that had run all 24 settings timed the baseline 42 % slower (127.9 vs
 * 89.8 ms) and SPECS 23 % slower, so a ratio read there was 0.60 where the bench measured 0.68.
 */
import type { Decoder, SolveResult } from '../../../server/decoding/decoder';
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

/** Speed is the latency relative to the reference where there is one: each setting's own pass timed its own reference. */
const speedOf = (r: TuningRow) => r.relativeLatency ?? r.latencyMs;

/** Pure choice of the recommended setting. */
export function pickBest(strategy: TunedStrategy, rows: readonly TuningRow[]): TuningRow {
  const byAccThenSpeed = (a: TuningRow, b: TuningRow) => b.accuracy - a.accuracy || speedOf(a) - speedOf(b);
  if (strategy === 'beam-target') return [...rows].sort(byAccThenSpeed)[0]!;
  const fast = rows.filter((r) => r.relativeLatency !== null && r.relativeLatency <= 0.6);
  if (fast.length > 0) return [...fast].sort(byAccThenSpeed)[0]!;
  const top = Math.max(...rows.map((r) => r.accuracy));
  return [...rows].filter((r) => r.accuracy >= top - 0.02).sort((a, b) => speedOf(a) - speedOf(b))[0]!;
}

type TuningDecoder = Pick<Decoder, 'solve' | 'close'>;

interface Tally {
  readonly correct: boolean[];
  readonly latency: number[];
  readonly acceptance: number[];
  readonly fallbacks: number[];
}

const emptyTally = (): Tally => ({ correct: [], latency: [], acceptance: [], fallbacks: [] });

export async function tune(args: {
  /** Opens a decoder; with a reference, one per setting's pass. */
  openDecoder: () => Promise<TuningDecoder>;
  problems: readonly BenchProblem[];
  strategy: TunedStrategy;
  settings: readonly Setting[];
  /** Run beside each setting for its relative latency (SPECS is tuned against the baseline as shipped). */
  reference?: SolveOptionsInput;
  n: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<TuningResult> {
  const per = args.settings.map(emptyTally);
  // The reference's latency in each setting's own pass (its answers are the same in every pass: same seeds).
  const refPer = args.settings.map(emptyTally);
  const total = args.problems.length * args.settings.length;
  let done = 0;
  const record = (tally: Tally, r: SolveResult, answer: number) => {
    tally.correct.push(grade(r.text.slice(r.text.indexOf('\n') + 1), answer));
    tally.latency.push(r.latencyMs);
    if (r.draftAcceptance !== null) tally.acceptance.push(r.draftAcceptance);
    tally.fallbacks.push(r.fallbacks);
  };
  const solveSetting = (decoder: TuningDecoder, k: number, question: string, seed: number) =>
    decoder.solve(question, { strategy: args.strategy, n: args.n, seed, ...args.settings[k] } as SolveOptionsInput);

  if (args.reference) {
    for (const k of args.settings.keys()) {
      const decoder = await args.openDecoder();
      try {
        for (const [i, p] of args.problems.entries()) {
          const seed = (args.seed + i) >>> 0;
          record(refPer[k]!, await decoder.solve(p.question, { ...args.reference, n: args.n, seed }), p.answer);
          record(per[k]!, await solveSetting(decoder, k, p.question, seed), p.answer);
          args.onProgress?.(++done, total);
        }
      } finally {
        await decoder.close();
      }
    }
  } else {
    const decoder = await args.openDecoder();
    try {
      for (const [i, p] of args.problems.entries()) {
        const seed = (args.seed + i) >>> 0;
        for (const k of args.settings.keys()) {
          record(per[k]!, await solveSetting(decoder, k, p.question, seed), p.answer);
          args.onProgress?.(++done, total);
        }
      }
    } finally {
      await decoder.close();
    }
  }
  const rows: TuningRow[] = args.settings.map((setting, k) => {
    const tally = per[k]!;
    const correct = tally.correct.filter(Boolean).length;
    const latencyMs = mean(tally.latency);
    return {
      setting,
      accuracy: correct / tally.correct.length,
      accuracyCi: wilson(correct, tally.correct.length),
      latencyMs,
      relativeLatency: args.reference ? latencyMs / mean(refPer[k]!.latency) : null,
      draftAcceptance: tally.acceptance.length ? mean(tally.acceptance) : null,
      fallbacksPerProblem: mean(tally.fallbacks),
    };
  });
  const ref = refPer[0]!;
  return {
    strategy: args.strategy,
    n: args.n,
    reference: args.reference
      ? { strategy: args.reference.strategy, accuracy: ref.correct.filter(Boolean).length / Math.max(1, ref.correct.length), latencyMs: mean(refPer.flatMap((t) => t.latency)) }
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
      (r.reference ? ` Reference ${r.reference.strategy} (as shipped, run beside each setting in its pass; "× reference" is against its own pass): accuracy ${pct(r.reference.accuracy)}, mean latency ${r.reference.latencyMs.toFixed(1)} ms.` : ''),
    '',
    `Rule: ${r.rule}.`,
    '',
    `**Chosen: ${settingText(r.best.setting)}** (accuracy ${pct(r.best.accuracy)}${r.best.relativeLatency === null ? '' : `, ${r.best.relativeLatency.toFixed(2)}× the reference latency`}).`,
    '',
    `| ${keys.join(' | ')} | accuracy | 95% CI | mean ms | × reference | acceptance | fallbacks |`,
    `| ${keys.map(() => '---:').join(' | ')} | ---: | --- | ---: | ---: | ---: | ---: |`,
    ...[...r.rows]
      .sort((a, b) => b.accuracy - a.accuracy || speedOf(a) - speedOf(b))
      .map(
        (x) =>
          `| ${keys.map((k) => x.setting[k]).join(' | ')} | ${pct(x.accuracy)} | ${pct(x.accuracyCi[0])}–${pct(x.accuracyCi[1])} | ${x.latencyMs.toFixed(1)} | ${x.relativeLatency === null ? '-' : x.relativeLatency.toFixed(2)} | ${x.draftAcceptance === null ? '-' : pct(x.draftAcceptance)} | ${x.fallbacksPerProblem.toFixed(2)} |`,
      ),
  ];
  return lines.join('\n') + '\n';
}
