/**
 * A/A simulation: both arms draw from the same distribution, so every
 * rejection is a false positive. Shows why the gate uses confidence sequences:
 * stopping at the first fixed-horizon p < α under continuous peeking inflates
 * the error rate well above α, while the sequential test stays below it.
 */
import { compareMeans } from './mean-tests';
import type { Rng } from '../../task/rng';
import type { DifferenceType, MeanStats } from './types';

export interface AaSimulationOptions {
  rng: Rng;
  runs?: number;
  peeks?: number;
  /** New observations per arm between two peeks. */
  batchSize?: number;
  alpha?: number;
  tuning?: number;
  difference?: DifferenceType;
  /** Population of both arms (normal). */
  mean?: number;
  sd?: number;
  onProgress?: (runsDone: number, runs: number) => void;
}

export interface FprEstimate {
  rejections: number;
  rate: number;
  /** Binomial standard error of the rate. */
  standardError: number;
}

export interface AaSimulationResult {
  settings: Required<Omit<AaSimulationOptions, 'rng' | 'onProgress'>>;
  falsePositiveRate: {
    fixedOnce: FprEstimate;
    fixedPeeking: FprEstimate;
    sequentialPeeking: FprEstimate;
    /** Sequential test evaluated once at the end (for reference: conservative). */
    sequentialOnce: FprEstimate;
  };
  /** Share of runs rejected at or before each peek. */
  cumulativeByPeek: { peek: number; n: number; fixedPeeking: number; sequentialPeeking: number }[];
}

function fpr(rejections: number, runs: number): FprEstimate {
  const rate = runs > 0 ? rejections / runs : 0;
  return { rejections, rate, standardError: runs > 0 ? Math.sqrt((rate * (1 - rate)) / runs) : 0 };
}

export function runAaSimulation(options: AaSimulationOptions): AaSimulationResult {
  const settings = {
    runs: options.runs ?? 2000,
    peeks: options.peeks ?? 50,
    batchSize: options.batchSize ?? 100,
    alpha: options.alpha ?? 0.05,
    tuning: options.tuning ?? 5000,
    difference: options.difference ?? ('relative' as DifferenceType),
    mean: options.mean ?? 1000,
    sd: options.sd ?? 300,
  };
  const { runs, peeks, batchSize, alpha, tuning, difference, mean, sd } = settings;
  const rng = options.rng;
  let fixedOnce = 0;
  let fixedPeek = 0;
  let seqPeek = 0;
  let seqOnce = 0;
  const firstFixed = new Array<number>(peeks).fill(0);
  const firstSeq = new Array<number>(peeks).fill(0);
  const addBatch = (s: MeanStats): void => {
    for (let i = 0; i < batchSize; i++) {
      const x = mean + sd * rng.normal();
      s.n += 1;
      s.sum += x;
      s.sumSquares += x * x;
    }
  };
  const progressEvery = Math.max(1, Math.floor(runs / 20));
  for (let run = 0; run < runs; run++) {
    const c: MeanStats = { n: 0, sum: 0, sumSquares: 0 };
    const t: MeanStats = { n: 0, sum: 0, sumSquares: 0 };
    let fixedStopped = false;
    let seqStopped = false;
    for (let peek = 0; peek < peeks; peek++) {
      addBatch(c);
      addBatch(t);
      const fixed = compareMeans(c, t, { difference, alpha });
      const seq = compareMeans(c, t, { difference, alpha, sequential: { tuning } });
      const fixedReject = !fixed.insufficient && fixed.pValue < alpha;
      const seqReject = !seq.insufficient && seq.pValue < alpha;
      if (fixedReject && !fixedStopped) {
        fixedStopped = true;
        firstFixed[peek]! += 1;
      }
      if (seqReject && !seqStopped) {
        seqStopped = true;
        firstSeq[peek]! += 1;
      }
      if (peek === peeks - 1) {
        if (fixedReject) fixedOnce += 1;
        if (seqReject) seqOnce += 1;
      }
    }
    if (fixedStopped) fixedPeek += 1;
    if (seqStopped) seqPeek += 1;
    if (options.onProgress && ((run + 1) % progressEvery === 0 || run + 1 === runs)) options.onProgress(run + 1, runs);
  }
  let cf = 0;
  let cs = 0;
  const cumulativeByPeek = firstFixed.map((f, i) => {
    cf += f;
    cs += firstSeq[i]!;
    return { peek: i + 1, n: (i + 1) * batchSize, fixedPeeking: cf / runs, sequentialPeeking: cs / runs };
  });
  return {
    settings,
    falsePositiveRate: {
      fixedOnce: fpr(fixedOnce, runs),
      fixedPeeking: fpr(fixedPeek, runs),
      sequentialPeeking: fpr(seqPeek, runs),
      sequentialOnce: fpr(seqOnce, runs),
    },
    cumulativeByPeek,
  };
}
