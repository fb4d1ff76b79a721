/**
 * What one request's outcome means for analysis. Every reader goes through here: the
 * decode processor (how a failure is graded and priced), the request-log writer (the
 * rollup contribution of a row and of a late label), KPIs, the gate, the report, the
 * console and the Grafana SQL (the SQL fragments below).
 *
 *   ok       the user got an answer.
 *   error    the request failed, or its client hung up before it was decoded; the user got none.
 *   timeout  the answer came after the deadline (or never); the user got none in time.
 *
 * - Accuracy: errors and timeouts are never correct. A failed request that carries a
 *   label (a reference, or feedback) counts as graded and wrong; one without a label
 *   stays ungraded, like any unlabelled request.
 * - Latency: a timeout counts at its deadline (what the user waited); an error is out
 *   of the latency distribution (its few milliseconds would flatter the arm) and in
 *   the failure rate instead.
 * - Cost: what the attempt really spent, failed or not (tokens used before the failure).
 * - Failure rate: (errors + timeouts) / requests, over every request.
 */
import type { Outcome } from '../vocabulary';
import { latencyBucketIndex } from './latency-buckets';
import type { RollupSums } from './rollup-sums';


export const inLatencyDistribution = (outcome: Outcome): boolean => outcome !== 'error';

/** The label a request carries for accuracy: a failure with a label is wrong, whatever the label says. */
export function gradedCorrect(outcome: Outcome, label: boolean | null): boolean | null {
  if (label === null) return null;
  return outcome === 'ok' ? label : false;
}

/** The fields of a request_log row that analysis reads. */
export interface OutcomeRow {
  status: Outcome;
  latencyMs: number;
  costUsd: number;
  correct: boolean | null;
  draftTokens: number;
  targetTokens: number;
  prmTokens: number;
  draftAcceptance: number | null;
  targetFallbacks: number | null;
}

/** One request's contribution to the rollup sums, plus its latency bucket (null: not in the distribution). */
export interface Contribution extends RollupSums {
  latencyBucket: number | null;
}

/**
 * Values are taken as the database stores them (float4 columns at the COPY encoder's
 * precision), so sums built here equal sums SQL would compute from request_log.
 */
export const storedReal = (v: number, scale: number): number => Math.fround(Math.round(v * scale) / scale);

export function contribution(row: OutcomeRow): Contribution {
  const latency = storedReal(row.latencyMs, 1e3);
  const timed = inLatencyDistribution(row.status);
  const correct = gradedCorrect(row.status, row.correct);
  const graded = correct !== null;
  const cost = row.costUsd;
  return {
    n: 1,
    errors: row.status === 'error' ? 1 : 0,
    timeouts: row.status === 'timeout' ? 1 : 0,
    graded: graded ? 1 : 0,
    correct: correct ? 1 : 0,
    latencyN: timed ? 1 : 0,
    latencySum: timed ? latency : 0,
    latencySumSq: timed ? latency * latency : 0,
    costSum: cost,
    costSumSq: cost * cost,
    gradedCostSum: graded ? cost : 0,
    gradedCostSumSq: graded ? cost * cost : 0,
    costCorrectSum: correct ? cost : 0,
    draftTokens: Math.trunc(row.draftTokens),
    targetTokens: Math.trunc(row.targetTokens),
    prmTokens: Math.trunc(row.prmTokens),
    draftAcceptanceSum: row.draftAcceptance === null ? 0 : storedReal(row.draftAcceptance, 1e6),
    draftAcceptanceN: row.draftAcceptance === null ? 0 : 1,
    fallbacks: row.targetFallbacks === null ? 0 : Math.trunc(row.targetFallbacks),
    latencyBucket: timed ? latencyBucketIndex(latency) : null,
  };
}

/** KPI definitions over rollup sums (null where the denominator is empty). */
export const kpiOf = {
  accuracy: (s: RollupSums) => (s.graded > 0 ? s.correct / s.graded : null),
  failureRate: (s: RollupSums) => (s.n > 0 ? (s.errors + s.timeouts) / s.n : null),
  latencyMean: (s: RollupSums) => (s.latencyN > 0 ? s.latencySum / s.latencyN : null),
  costPerRequest: (s: RollupSums) => (s.n > 0 ? s.costSum / s.n : null),
  costPerCorrect: (s: RollupSums) => (s.correct > 0 ? s.gradedCostSum / s.correct : null),
};

/**
 * The same rules as SQL over request_log, for readers that query rows directly
 * (the Grafana dashboards). `correct` here is the stored label; failures are stored
 * with correct = false when labelled (see gradedCorrect), so plain tests suffice.
 */
export const OUTCOME_SQL = Object.freeze({
  failure: `status <> 'ok'`,
  inLatency: `status <> 'error'`,
  graded: `correct IS NOT NULL`,
  correct: `correct`,
});
