import { LATENCY_BUCKET_COUNT, latencyBucketIndex } from '../analysis/latency-buckets';
import { zeroSums, type RollupSums } from '../analysis/rollup-sums';
import type { RequestLogRow } from './request-log-row';

/**
 * Per-minute rollup increments of a batch of new rows, computed in the writer (pure). Values are
 * taken as the database will store them (float4 columns at the encoder's precision), so these
 * sums equal what SQL would compute from request_log.
 */
export interface RollupDelta extends RollupSums {
  experiment: string;
  stage: number;
  variant: string;
  /** Minute start, epoch ms. */
  bucketMs: number;
  latencyHist: number[];
}

/** The float4 value Postgres stores for `v` written rounded to 1/`scale` (see copy-encoder). */
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
        ...zeroSums(),
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
