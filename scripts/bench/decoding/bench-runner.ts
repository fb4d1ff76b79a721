import { grade } from '../../../server/task/grader';
import type { Decoder, SolveResult } from '../../../server/decoding/decoder';
import type { SolveOptionsInput } from '../../../server/decoding/options';
import type { Strategy, Usage } from '../../../server/vocabulary';
import { firstWrongStep, type WrongStep } from './step-audit';

export interface BenchProblem {
  readonly id: string;
  readonly question: string;
  readonly answer: number;
}

export interface BenchConfig {
  readonly strategy: Strategy;
  readonly n: number;
}

export interface BenchRecord {
  readonly problemId: string;
  readonly strategy: Strategy;
  readonly n: number;
  readonly correct: boolean;
  readonly answer: number | null;
  readonly finished: boolean;
  readonly latencyMs: number;
  readonly steps: number;
  readonly usage: Usage;
  readonly draftAcceptance: number | null;
  readonly fallbacks: number;
  /** Where the solution first went wrong (null: every step right). */
  readonly firstWrongStep: WrongStep | null;
}

export interface BenchProgress {
  readonly problem: number;
  readonly problems: number;
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

/** Greedy strategies take no n: they run once, as n = 1. */
export function benchConfigs(strategies: readonly Strategy[], ns: readonly number[]): BenchConfig[] {
  return strategies.flatMap((strategy) => (strategy.startsWith('greedy') ? [{ strategy, n: 1 }] : ns.map((n) => ({ strategy, n }))));
}

export const configKey = (c: BenchConfig) => `${c.strategy}/n=${c.n}`;

export interface RunBenchmarkArgs {
  readonly decoder: Pick<Decoder, 'solve'>;
  readonly problems: readonly BenchProblem[];
  readonly configs: readonly BenchConfig[];
  readonly seed: number;
  /** Extra solve options (SPECS parameters, beam width, ...). */
  readonly options?: Omit<SolveOptionsInput, 'strategy' | 'n' | 'seed'>;
  readonly onRecord?: (record: BenchRecord, progress: BenchProgress) => void;
  readonly now?: () => number;
}

/**
 * Runs every configuration on every problem, interleaved per problem (the
 * order rotates from one problem to the next) so machine noise hits all
 * configurations alike. Problem i uses seed + i for every configuration.
 */
export async function runBenchmark(args: RunBenchmarkArgs): Promise<BenchRecord[]> {
  const now = args.now ?? (() => performance.now());
  const started = now();
  const records: BenchRecord[] = [];
  const total = args.problems.length * args.configs.length;
  for (const [i, problem] of args.problems.entries()) {
    for (let k = 0; k < args.configs.length; k++) {
      const config = args.configs[(i + k) % args.configs.length]!;
      const result: SolveResult = await args.decoder.solve(problem.question, {
        ...args.options,
        strategy: config.strategy,
        n: config.n,
        seed: (args.seed + i) >>> 0,
      });
      const record: BenchRecord = {
        problemId: problem.id,
        strategy: config.strategy,
        n: config.n,
        correct: grade(result.text.slice(result.text.indexOf('\n') + 1), problem.answer),
        answer: result.answer,
        finished: result.finished,
        latencyMs: result.latencyMs,
        steps: result.steps.length,
        usage: result.usage,
        draftAcceptance: result.draftAcceptance,
        fallbacks: result.fallbacks,
        firstWrongStep: firstWrongStep(problem.question, result.steps),
      };
      records.push(record);
      args.onRecord?.(record, { problem: i + 1, problems: args.problems.length, done: records.length, total, elapsedMs: now() - started });
    }
  }
  return records;
}
