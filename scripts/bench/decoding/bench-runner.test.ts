import { emptyUsage } from '../../../server/vocabulary';
import type { SolveResult } from '../../../server/decoding/decoder';
import type { SolveOptionsInput } from '../../../server/decoding/options';
import { benchConfigs, runBenchmark } from './bench-runner';
import { accuracyLatencyChart, markdownReport, missOriginsMarkdown, pairedComparisons, pairedMarkdown, specsMissOrigins, summarize, textTable } from './report';
import type { BenchRecord } from './bench-runner';
import type { Strategy } from '../../../server/vocabulary';
import { grid, pickBest, type TunedStrategy, type TuningRow } from './tune';

const problems = [
  { id: 'p1', question: '1+2', answer: 3 },
  { id: 'p2', question: '2*3', answer: 6 },
];

/** Fake decoder: answers correctly except for greedy strategies; latency = n ms. */
function fakeDecoder(calls: SolveOptionsInput[]) {
  return {
    async solve(question: string, options: SolveOptionsInput): Promise<SolveResult> {
      calls.push(options);
      const right = Function(`return ${question}`)() as number;
      const answer = options.strategy.startsWith('greedy') ? right + 1 : right;
      const usage = emptyUsage();
      usage.target.tokens = 10;
      return {
        strategy: options.strategy,
        answer,
        text: `Q: ${question}\n= ${answer}\nA: ${answer}\n`,
        steps: [
          { text: `= ${answer}\n`, model: 'target', prmScore: 0.9 },
          { text: `A: ${answer}\n`, model: 'target', prmScore: 0.9 },
        ],
        finished: true,
        prmScore: 0.9,
        latencyMs: options.n ?? 1,
        usage,
        draftAcceptance: options.strategy === 'specs' ? 0.5 : null,
        fallbacks: options.strategy === 'specs' ? 1 : 0,
      };
    },
  };
}

describe('decoding benchmark', () => {
  it('runs greedy once and the others for each n', () => {
    expect(benchConfigs(['beam-target', 'greedy-draft', 'specs'], [4, 8])).toEqual([
      { strategy: 'beam-target', n: 4 },
      { strategy: 'beam-target', n: 8 },
      { strategy: 'greedy-draft', n: 1 },
      { strategy: 'specs', n: 4 },
      { strategy: 'specs', n: 8 },
    ]);
  });

  it('interleaves configurations per problem, rotating the order, and summarises', async () => {
    const calls: SolveOptionsInput[] = [];
    const configs = benchConfigs(['beam-target', 'specs', 'greedy-target'], [4]);
    const records = await runBenchmark({ decoder: fakeDecoder(calls), problems, configs, seed: 10 });
    expect(calls.map((c) => [c.strategy, c.seed])).toEqual([
      ['beam-target', 10],
      ['specs', 10],
      ['greedy-target', 10],
      ['specs', 11],
      ['greedy-target', 11],
      ['beam-target', 11],
    ]);
    const results = summarize(records, configs);
    expect(results.map((r) => [r.strategy, r.n, r.problems, r.accuracy])).toEqual([
      ['beam-target', 4, 2, 1],
      ['specs', 4, 2, 1],
      ['greedy-target', 1, 2, 0],
    ]);
    expect(results[1]).toMatchObject({ latencyMs: { mean: 4, p50: 4, p95: 4 }, latencyPerStepMs: 2, draftAcceptance: 0.5, fallbacksPerProblem: 1 });
    expect(results[0]!.tokens).toEqual({ draft: 0, target: 10, prm: 0 });
    expect(results[0]!.accuracyCi[0]).toBeGreaterThan(0.3);
    expect(textTable(results)).toContain('beam-target');
    const md = markdownReport(results, { machine: { cpu: 'x', cpus: 2, provisionalModels: true }, args: {} });
    expect(md).toContain('| specs | 4 |');
    expect(md).toContain('random-init');
    const svg = accuracyLatencyChart(results, false);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('specs n=4');
  });

  it.each<[TunedStrategy, { a: number; rel: number; ms?: number }[], number]>([
    // SPECS: best accuracy at ≤ 0.6× the baseline latency.
    ['specs', [{ a: 0.9, rel: 0.8 }, { a: 0.8, rel: 0.5 }, { a: 0.85, rel: 0.55 }], 2],
    // SPECS: nothing fast enough → the fastest within 2 points of the best.
    ['specs', [{ a: 0.9, rel: 0.9 }, { a: 0.89, rel: 0.8 }, { a: 0.7, rel: 0.75 }], 1],
    // Each setting's pass timed its own reference: the ratio ranks, not the milliseconds.
    ['specs', [{ a: 0.9, rel: 0.9, ms: 60 }, { a: 0.89, rel: 0.8, ms: 70 }], 1],
    ['specs', [{ a: 0.8, rel: 0.55, ms: 60 }, { a: 0.8, rel: 0.5, ms: 70 }], 1],
    // Baseline: the most accurate, ties broken by speed.
    ['beam-target', [{ a: 0.8, rel: 1 }, { a: 0.85, rel: 1.2 }, { a: 0.85, rel: 1.1 }], 2],
  ])('pickBest follows the %s tuning rule (%#)', (strategy, rows, bestIndex) => {
    const tuning = rows.map((s, i) => ({ setting: { i }, accuracy: s.a, accuracyCi: [0, 1], latencyMs: s.ms ?? s.rel * 100, draftAcceptance: null, fallbacksPerProblem: 0, relativeLatency: s.rel }) as TuningRow);
    expect(pickBest(strategy, tuning).setting.i).toBe(bestIndex);
  });

  it('grid crosses every axis', () => {
    expect(grid({ a: [1, 2], b: ['x', 'y', 'z'] })).toHaveLength(6);
    expect(grid({ a: [1], b: ['x'] })).toEqual([{ a: 1, b: 'x' }]);
  });

  it('pairs SPECS with beam-target at each n and beam-target with the one greedy run', () => {
    const record = (problemId: string, strategy: Strategy, n: number, correct: boolean, latencyMs: number, firstWrongStep: BenchRecord['firstWrongStep'] = null) =>
      ({ problemId, strategy, n, correct, latencyMs, firstWrongStep }) as BenchRecord;
    const ids = ['a', 'b', 'c', 'd'];
    const records = [
      ...ids.map((id, i) => record(id, 'greedy-target', 1, i < 1, 10)),
      ...ids.map((id, i) => record(id, 'beam-target', 8, i < 3, 40)),
      ...ids.map((id, i) => record(id, 'specs', 8, i !== 1, 20, i === 1 ? { index: 2, model: 'draft', accepted: true } : null)),
    ];
    const paired = pairedComparisons(records, 1);
    expect(paired.map((r) => [r.candidate, r.baseline, r.n, r.problems, r.onlyCandidate, r.onlyBaseline, r.accuracyDifference])).toEqual([
      ['specs', 'beam-target', 8, 4, 1, 1, 0],
      ['beam-target', 'greedy-target', 8, 4, 2, 0, 0.5],
    ]);
    expect(paired[0]!.latencyRatio).toBeCloseTo(0.5, 12);
    expect(paired[1]!.latencyRatio).toBeCloseTo(4, 12);
    expect(pairedMarkdown(paired)).toContain('## beam-target vs greedy-target, paired by problem');
    expect(specsMissOrigins(records)).toEqual([{ n: 8, misses: 1, acceptedDraft: 1, targetFirstStep: 0, targetLaterStep: 0, noWrongStep: 0 }]);
    expect(missOriginsMarkdown(specsMissOrigins(records))).toContain('| 8 | 1 | 1 | 0 | 0 | 0 |');
  });
});
