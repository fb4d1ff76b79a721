/**
 * The sufficient statistics `request_rollup` keeps per (minute, stage, variant): the writer
 * adds each request's contribution (outcome.ts) and the KPI queries sum them back
 * (kpi-repository), so both sides agree on one field list.
 */
export interface RollupSums {
  /** Every request (the SRM count and the failure-rate denominator). */
  n: number;
  errors: number;
  timeouts: number;
  /** Requests with a label; failures with a label count as graded and wrong. */
  graded: number;
  correct: number;
  /** Requests in the latency distribution (ok and timeouts at their deadline). */
  latencyN: number;
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
}

export const ROLLUP_SUM_KEYS = [
  'n', 'errors', 'timeouts', 'graded', 'correct', 'latencyN', 'latencySum', 'latencySumSq', 'costSum', 'costSumSq',
  'gradedCostSum', 'gradedCostSumSq', 'costCorrectSum', 'draftTokens', 'targetTokens', 'prmTokens',
  'draftAcceptanceSum', 'draftAcceptanceN', 'fallbacks',
] as const satisfies readonly (keyof RollupSums)[];

export function zeroSums(): RollupSums {
  return Object.fromEntries(ROLLUP_SUM_KEYS.map((k) => [k, 0])) as unknown as RollupSums;
}

/** into += sign · x, field by field. */
export function addSums<T extends RollupSums>(into: T, x: RollupSums, sign = 1): T {
  for (const k of ROLLUP_SUM_KEYS) into[k] += sign * x[k];
  return into;
}

/**
 * Per-unit-bucket totals (request_unit_rollup): every request of a unit lands in the same
 * one of UNIT_BUCKETS hash buckets, so bucket totals are independent across buckets even
 * when units send many requests, and variances computed over buckets stay honest then.
 */
export const UNIT_SUM_KEYS = ['n', 'errors', 'timeouts', 'graded', 'correct', 'latencyN', 'latencySum', 'costSum'] as const;
export type UnitSums = Pick<RollupSums, (typeof UNIT_SUM_KEYS)[number]>;

export const UNIT_BUCKETS = 64;

/** Bucket of a unit hash (the 8-hex-digit hash the assigner stamps on each request). */
export function unitBucketOf(unitHash: string): number {
  const v = Number.parseInt(unitHash.slice(-8), 16);
  return Number.isFinite(v) ? v % UNIT_BUCKETS : 0;
}

/** Column and SQL type of each sum in request_rollup (and request_unit_rollup for UNIT_SUM_KEYS). */
export const SUM_COLUMNS: Readonly<Record<keyof RollupSums, { column: string; type: 'int' | 'bigint' | 'float8' }>> = Object.freeze({
  n: { column: 'n', type: 'int' },
  errors: { column: 'errors', type: 'int' },
  timeouts: { column: 'timeouts', type: 'int' },
  graded: { column: 'graded', type: 'int' },
  correct: { column: 'correct', type: 'int' },
  latencyN: { column: 'latency_n', type: 'int' },
  latencySum: { column: 'latency_sum', type: 'float8' },
  latencySumSq: { column: 'latency_sum_sq', type: 'float8' },
  costSum: { column: 'cost_sum', type: 'float8' },
  costSumSq: { column: 'cost_sum_sq', type: 'float8' },
  gradedCostSum: { column: 'graded_cost_sum', type: 'float8' },
  gradedCostSumSq: { column: 'graded_cost_sum_sq', type: 'float8' },
  costCorrectSum: { column: 'cost_correct_sum', type: 'float8' },
  draftTokens: { column: 'draft_tokens', type: 'bigint' },
  targetTokens: { column: 'target_tokens', type: 'bigint' },
  prmTokens: { column: 'prm_tokens', type: 'bigint' },
  draftAcceptanceSum: { column: 'draft_acceptance_sum', type: 'float8' },
  draftAcceptanceN: { column: 'draft_acceptance_n', type: 'int' },
  fallbacks: { column: 'fallbacks', type: 'int' },
});
