/**
 * The sufficient statistics `request_rollup` keeps per (minute, stage, variant): the writer
 * adds to them (telemetry/rollup-aggregate) and the KPI queries sum them back (kpi-repository),
 * so both sides must agree on one field list.
 */
export interface RollupSums {
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
}

export function zeroSums(): RollupSums {
  return {
    n: 0,
    errors: 0,
    graded: 0,
    correct: 0,
    latencySum: 0,
    latencySumSq: 0,
    costSum: 0,
    costSumSq: 0,
    gradedCostSum: 0,
    gradedCostSumSq: 0,
    costCorrectSum: 0,
    draftTokens: 0,
    targetTokens: 0,
    prmTokens: 0,
    draftAcceptanceSum: 0,
    draftAcceptanceN: 0,
    fallbacks: 0,
  };
}
