/** Public API of the pure statistics engine (no I/O). */
export * from './types';
export { StatsInputError } from './errors';
export { meanMoments, proportionMoments, ratioMoments } from './moments';
export { compareMeans, compareProportions, compareRatios, compareMoments, effectMoments, type EffectMoments } from './mean-tests';
export { nonInferiority, nonInferiorityFromMoments, type Direction, type NonInferiorityOptions, type NonInferiorityResult } from './non-inferiority';
export {
  quantileDifference,
  quantileEstimate,
  type Histogram,
  type QuantileSample,
  type QuantileEstimate,
  type QuantileOptions,
  type QuantileDifferenceResult,
} from './quantile-difference';
export { sampleRatioMismatch, SRM_P_THRESHOLD, type SrmResult } from './srm';
export { agrestiCaffoMoments, bernoulliConfidenceSequence, exactDifferenceBounds, UNIFORM_PRIOR, type MixturePrior } from './proportions';
export { bucketRatioVariance, designEffect, unitRepeatPValue, REPEAT_P_THRESHOLD, type BucketRatio } from './clustered';
export { bootstrapMeanRatio, mcnemarExact } from './paired';
export { adjustPValues, type AdjustMethod } from './multiple-comparisons';
export { sequentialRho, sequentialHalfwidth, sequentialHalfwidthOneSided, sequentialPValue, sequentialOneSidedPValue } from './sequential';
export {
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  chiSquareSurvival,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
} from './distributions';
export { createRng, type Rng } from '../../task/rng';
export { runAaSimulation, type AaSimulationOptions, type AaSimulationResult, type FprEstimate } from './aa-simulation';
