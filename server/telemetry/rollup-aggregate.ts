import { LATENCY_BUCKET_COUNT, latencyBucketIndex } from '../analysis/latency-buckets';
import type { RequestLogRow } from './request-log-row';

/**
 * Per-minute rollup increments of a batch of new rows, computed in the writer (pure). Values are
 * taken as the database will store them (float4 columns at the encoder's precision), so these
 * sums equal what SQL would compute from request_log.
 */
export interface RollupDelta {
  experiment: string;
  stage: number;
  variant: string;
  /** Minute start, epoch ms. */
  bucketMs: number;
  n: number;
  errors: number;
  graded: number;
  correct: number;
  latencySum: number;
  latencySumSq: number;
  costSum: number;
  costSumSq: number;
  gradedCostSum: number;
  gradedCostSumSq: number;
  costCorrectSum: number;
  draftTokens: number;
  targetTokens: number;
  prmTokens: number;
  draftAcceptanceSum: number;
  draftAcceptanceN: number;
  fallbacks: number;
  latencyHist: number[];
}

/** The float4 value Postgres stores for `v` written with `digits` decimals (see copy-encoder). */
export const storedReal = (v: number, scale: number): number => Math.fround(Math.round(v * scale) / scale);

export function aggregateRollup(rows: readonly RequestLogRow[]): RollupDelta[] {
  const groups = new Map<string, RollupDelta>();
  for (const r of rows) {
    const bucketMs = Math.floor(r.receivedAt.getTime() / 60_000) * 60_000;
    const key = `${r.experiment}\u0000${r.stage}\u0000${r.variant}\u0000${bucketMs}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        experiment: r.experiment,
        stage: Math.trunc(r.stage),
        variant: r.variant,
        bucketMs,
        n: 0, errors: 0, graded: 0, correct: 0,
        latencySum: 0, latencySumSq: 0, costSum: 0, costSumSq: 0,
        gradedCostSum: 0, gradedCostSumSq: 0, costCorrectSum: 0,
        draftTokens: 0, targetTokens: 0, prmTokens: 0,
        draftAcceptanceSum: 0, draftAcceptanceN: 0, fallbacks: 0,
        latencyHist: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
      };
      groups.set(key, g);
    }
    const latency = storedReal(r.latencyMs, 1e3);
    const cost = r.costUsd;
    g.n += 1;
    if (r.status !== 'ok') g.errors += 1;
    if (r.correct !== null && r.correct !== undefined) {
      g.graded += 1;
      g.gradedCostSum += cost;
      g.gradedCostSumSq += cost * cost;
      if (r.correct) {
        g.correct += 1;
        g.costCorrectSum += cost;
      }
    }
    g.latencySum += latency;
    g.latencySumSq += latency * latency;
    g.costSum += cost;
    g.costSumSq += cost * cost;
    g.draftTokens += Math.trunc(r.draftTokens);
    g.targetTokens += Math.trunc(r.targetTokens);
    g.prmTokens += Math.trunc(r.prmTokens);
    if (r.draftAcceptance !== null && r.draftAcceptance !== undefined) {
      g.draftAcceptanceSum += storedReal(r.draftAcceptance, 1e6);
      g.draftAcceptanceN += 1;
    }
    if (r.targetFallbacks !== null && r.targetFallbacks !== undefined) g.fallbacks += Math.trunc(r.targetFallbacks);
    g.latencyHist[latencyBucketIndex(latency)]! += 1;
  }
  return [...groups.values()];
}
