import type { ModelRole, Strategy } from '../../../server/vocabulary';
import { configKey, type BenchConfig, type BenchRecord } from './bench-runner';
import { mean, percentile, wilson } from './stats';
import { scatterChart } from '../../../server/analysis/charts/svg-chart';
import { bootstrapMeanRatio, mcnemarExact } from '../../../server/analysis/stats';
import { createRng } from '../../../server/task/rng';

const ROLES: readonly ModelRole[] = ['draft', 'target', 'prm'];

export interface BenchResult {
  readonly strategy: string;
  readonly n: number;
  readonly problems: number;
  readonly accuracy: number;
  readonly accuracyCi: [number, number];
  readonly latencyMs: { mean: number; p50: number; p95: number };
  readonly latencyPerStepMs: number;
  readonly tokens: Record<ModelRole, number>;
  readonly computeMs: Record<ModelRole, number>;
  readonly calls: Record<ModelRole, number>;
  readonly draftAcceptance: number | null;
  readonly fallbacksPerProblem: number;
  readonly finishedRate: number;
}

const perRole = (rs: readonly BenchRecord[], f: (r: BenchRecord, role: ModelRole) => number) =>
  Object.fromEntries(ROLES.map((role) => [role, mean(rs.map((r) => f(r, role)))])) as Record<ModelRole, number>;

export function summarize(records: readonly BenchRecord[], configs: readonly BenchConfig[]): BenchResult[] {
  return configs.map((c) => {
    const rs = records.filter((r) => r.strategy === c.strategy && r.n === c.n);
    const correct = rs.filter((r) => r.correct).length;
    const latencies = rs.map((r) => r.latencyMs);
    const rates = rs.map((r) => r.draftAcceptance).filter((x): x is number => x !== null);
    return {
      strategy: c.strategy,
      n: c.n,
      problems: rs.length,
      accuracy: rs.length ? correct / rs.length : 0,
      accuracyCi: wilson(correct, rs.length),
      latencyMs: { mean: mean(latencies), p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
      latencyPerStepMs: mean(rs.map((r) => r.latencyMs / Math.max(1, r.steps))),
      tokens: perRole(rs, (r, role) => r.usage[role].tokens),
      computeMs: perRole(rs, (r, role) => r.usage[role].computeMs),
      calls: perRole(rs, (r, role) => r.usage[role].calls),
      draftAcceptance: c.strategy === 'specs' && rates.length > 0 ? mean(rates) : null,
      fallbacksPerProblem: mean(rs.map((r) => r.fallbacks)),
      finishedRate: mean(rs.map((r) => (r.finished ? 1 : 0))),
    };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

/** Running accuracy per configuration, for progress lines. */
export function runningAccuracy(records: readonly BenchRecord[], configs: readonly BenchConfig[]): string {
  return configs
    .map((c) => {
      const rs = records.filter((r) => r.strategy === c.strategy && r.n === c.n);
      return `${configKey(c)} ${rs.length ? pct(rs.filter((r) => r.correct).length / rs.length) : '-'}`;
    })
    .join('  ');
}

const HEAD = ['strategy', 'n', 'problems', 'accuracy', '95% CI', 'mean ms', 'p50 ms', 'p95 ms', 'ms/step', 'accept', 'fallbacks'];

function rows(results: readonly BenchResult[]): string[][] {
  return results.map((r) => [
    r.strategy,
    String(r.n),
    String(r.problems),
    pct(r.accuracy),
    `${pct(r.accuracyCi[0])}–${pct(r.accuracyCi[1])}`,
    ms(r.latencyMs.mean),
    ms(r.latencyMs.p50),
    ms(r.latencyMs.p95),
    ms(r.latencyPerStepMs),
    r.draftAcceptance === null ? '-' : pct(r.draftAcceptance),
    r.strategy === 'specs' ? r.fallbacksPerProblem.toFixed(2) : '-',
  ]);
}

export function textTable(results: readonly BenchResult[]): string {
  const all = [HEAD, ...rows(results)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export function markdownReport(results: readonly BenchResult[], meta: { machine: Record<string, unknown>; args: Record<string, unknown> }): string {
  const md: string[] = [];
  md.push('# Decoding benchmark', '');
  md.push(`Machine: ${String(meta.machine.cpu)} × ${String(meta.machine.cpus)}, node ${String(meta.machine.node)}, onnxruntime ${String(meta.machine.onnxruntime)}, intra-op threads ${String(meta.machine.intraOpThreads)}.`);
  if (meta.machine.provisionalModels) md.push('', '**The models were provisional (random-init): accuracy is meaningless; rerun with trained models.**');
  md.push('', `Args: \`${JSON.stringify(meta.args)}\``, '');
  if (meta.args.verifier === 'oracle') md.push('**Verifier: oracle** — a perfect step checker scored the steps in the PRM\'s place: these are ceilings, not the shipped system.', '');
  md.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const r of rows(results)) md.push(`| ${r.join(' | ')} |`);
  md.push('', '## Time and tokens per problem, by model (means)', '');
  md.push('| strategy | n | draft ms | target ms | prm ms | draft tokens | target tokens | prm tokens | draft calls | target calls | prm calls |');
  md.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    md.push(
      `| ${r.strategy} | ${r.n} | ${ROLES.map((x) => ms(r.computeMs[x])).join(' | ')} | ${ROLES.map((x) => r.tokens[x].toFixed(0)).join(' | ')} | ${ROLES.map((x) => r.calls[x].toFixed(1)).join(' | ')} |`,
    );
  }
  md.push('', 'Compute ms is time inside onnxruntime `session.run` (runs are sequential); the rest of the latency is JavaScript: sampling, KV gathers, tensor building.');
  return md.join('\n') + '\n';
}

export function accuracyLatencyChart(results: readonly BenchResult[], provisional: boolean): string {
  return scatterChart({
    points: results.map((r) => ({ x: Number(r.latencyMs.mean.toFixed(1)), y: Number(r.accuracy.toFixed(3)), label: `${r.strategy} n=${r.n}`, series: r.strategy })),
    title: `Accuracy vs mean latency${provisional ? ' (random-init models)' : ''}`,
    xLabel: 'mean latency per problem (ms)',
    yLabel: 'accuracy',
  });
}

/** The n values a strategy ran with, ascending. */
const nsOf = (records: readonly BenchRecord[], strategy: Strategy) =>
  [...new Set(records.filter((r) => r.strategy === strategy).map((r) => r.n))].sort((a, b) => a - b);

/** A candidate strategy against a baseline on the same problems and seeds, per n of the candidate. */
export interface PairedComparison {
  readonly candidate: Strategy;
  readonly baseline: Strategy;
  readonly n: number;
  readonly problems: number;
  /** candidate accuracy − baseline accuracy. */
  readonly accuracyDifference: number;
  readonly onlyCandidate: number;
  readonly onlyBaseline: number;
  /** Exact McNemar p-value of the accuracy difference. */
  readonly mcnemarP: number;
  /** mean candidate latency / mean baseline latency, with a 95 % paired-bootstrap interval. */
  readonly latencyRatio: number;
  readonly latencyRatioCi: [number, number];
}

/** The pairs the bar is about: SPECS vs beam-target ("as good, faster"), beam-target vs greedy-target ("search helps"). */
export const PAIRINGS: readonly { candidate: Strategy; baseline: Strategy }[] = [
  { candidate: 'specs', baseline: 'beam-target' },
  { candidate: 'beam-target', baseline: 'greedy-target' },
];

export function pairedComparisons(records: readonly BenchRecord[], seed = 1, pairings = PAIRINGS): PairedComparison[] {
  return pairings.flatMap(({ candidate, baseline }) => {
    return nsOf(records, candidate).flatMap((n) => {
      // Greedy runs once (n = 1): every n of the candidate is paired with that run.
      const base = new Map(records.filter((r) => r.strategy === baseline && (r.n === n || baseline.startsWith('greedy'))).map((r) => [r.problemId, r]));
      const pairs = records.filter((r) => r.strategy === candidate && r.n === n && base.has(r.problemId)).map((r) => [r, base.get(r.problemId)!] as const);
      if (pairs.length === 0) return [];
      const onlyCandidate = pairs.filter(([c, b]) => c.correct && !b.correct).length;
      const onlyBaseline = pairs.filter(([c, b]) => !c.correct && b.correct).length;
      const ratio = bootstrapMeanRatio(pairs.map(([c]) => c.latencyMs), pairs.map(([, b]) => b.latencyMs), createRng(seed));
      return [{
        candidate,
        baseline,
        n,
        problems: pairs.length,
        accuracyDifference: (onlyCandidate - onlyBaseline) / pairs.length,
        onlyCandidate,
        onlyBaseline,
        mcnemarP: mcnemarExact(onlyCandidate, onlyBaseline).pValue,
        latencyRatio: ratio.ratio,
        latencyRatioCi: ratio.ci,
      }];
    });
  });
}

export function pairedMarkdown(rows: readonly PairedComparison[]): string {
  return PAIRINGS.flatMap(({ candidate, baseline }) => {
    const mine = rows.filter((r) => r.candidate === candidate && r.baseline === baseline);
    if (mine.length === 0) return [];
    return [
      `## ${candidate} vs ${baseline}, paired by problem`,
      '',
      `| n | problems | accuracy difference | only ${candidate} right | only ${baseline} right | McNemar p | latency ratio [95% bootstrap CI] |`,
      '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...mine.map((r) => `| ${r.n} | ${r.problems} | ${(100 * r.accuracyDifference).toFixed(1)} pts | ${r.onlyCandidate} | ${r.onlyBaseline} | ${r.mcnemarP.toPrecision(3)} | ${r.latencyRatio.toFixed(3)} [${r.latencyRatioCi[0].toFixed(3)}, ${r.latencyRatioCi[1].toFixed(3)}] |`),
      '',
    ];
  }).join('\n');
}

/** SPECS' wrong answers by where they first went wrong: an accepted draft or a target step. */
export interface MissOrigins {
  readonly n: number;
  readonly misses: number;
  readonly acceptedDraft: number;
  readonly targetFirstStep: number;
  readonly targetLaterStep: number;
  /** Every step right, but no answer (step or token limit). */
  readonly noWrongStep: number;
}

export function specsMissOrigins(records: readonly BenchRecord[]): MissOrigins[] {
  return nsOf(records, 'specs').map((n) => {
    const misses = records.filter((r) => r.strategy === 'specs' && r.n === n && !r.correct);
    const count = (f: (r: BenchRecord) => boolean) => misses.filter(f).length;
    return {
      n,
      misses: misses.length,
      acceptedDraft: count((r) => r.firstWrongStep?.accepted === true),
      targetFirstStep: count((r) => r.firstWrongStep?.model === 'target' && r.firstWrongStep.index === 0),
      targetLaterStep: count((r) => r.firstWrongStep?.model === 'target' && r.firstWrongStep.index > 0),
      noWrongStep: count((r) => r.firstWrongStep === null),
    };
  });
}

export function missOriginsMarkdown(rows: readonly MissOrigins[]): string {
  if (rows.length === 0) return '';
  return [
    "## Where SPECS' wrong answers first go wrong",
    '',
    '| n | wrong answers | an accepted draft | the target, first step | the target, a later step (fallback) | no wrong step (unfinished) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.n} | ${r.misses} | ${r.acceptedDraft} | ${r.targetFirstStep} | ${r.targetLaterStep} | ${r.noWrongStep} |`),
  ].join('\n') + '\n';
}
