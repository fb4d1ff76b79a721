/**
 * Pure core: experiments → the GrowthBook feature payload, and GrowthBook's
 * own bucketing arithmetic (hash v2, bucket ranges) so that assignments can be
 * reasoned about and tested without the SDK. No I/O.
 */
import type { Experiment } from '../experiments/experiment-types';

export const VARIATIONS = ['baseline', 'specs'] as const;
export type Variation = (typeof VARIATIONS)[number];

export const FEATURE_PREFIX = 'decoding-strategy:';
export const featureKey = (experimentKey: string): string => `${FEATURE_PREFIX}${experimentKey}`;

/**
 * The GrowthBook experiment key of our experiment: namespaced, because the SDK keeps
 * per-experiment state in plain objects, where a key like "constructor" would collide
 * with Object.prototype. Bucketing is unaffected: every rule carries its own hash seed.
 */
export const RULE_KEY_PREFIX = 'specs-ab:';
export const ruleKey = (experimentKey: string): string => `${RULE_KEY_PREFIX}${experimentKey}`;
export const experimentKeyOfRule = (key: string): string => (key.startsWith(RULE_KEY_PREFIX) ? key.slice(RULE_KEY_PREFIX.length) : key);

export type AssignableExperiment = Pick<Experiment, 'key' | 'name' | 'status' | 'specsShare' | 'hashSeed' | 'stage' | 'bucketVersion'>;

export interface ExperimentRule {
  key: string;
  name: string;
  variations: Variation[];
  weights: [number, number];
  coverage: number;
  hashAttribute: 'unitId';
  hashVersion: 2;
  seed: string;
  meta: { key: Variation; name: string }[];
  phase: string;
  bucketVersion: number;
  minBucketVersion: number;
}

export interface FeatureDefinition {
  defaultValue: Variation;
  rules: ExperimentRule[];
}

export interface FeaturesPayload {
  status: 200;
  features: Record<string, FeatureDefinition>;
  experiments: [];
  dateUpdated: string;
}

/** Rounded so that 1 - s does not print as 0.30000000000000004 in the payload. */
export const weightsFor = (specsShare: number): [number, number] => {
  const s = Math.min(1, Math.max(0, specsShare));
  return [Math.round((1 - s) * 1e9) / 1e9, Math.round(s * 1e9) / 1e9];
};

/**
 * One feature per experiment. Only running experiments carry the experiment
 * rule; paused, draft and stopped ones serve everyone the baseline (defaultValue).
 * minBucketVersion stays 0: a bumped bucketVersion re-buckets sticky units by
 * hash instead of excluding them from later stages.
 */
export function buildFeaturePayload(experiments: readonly AssignableExperiment[], dateUpdated: Date): FeaturesPayload {
  const features: Record<string, FeatureDefinition> = {};
  for (const e of experiments) {
    features[featureKey(e.key)] = {
      defaultValue: 'baseline',
      rules:
        e.status === 'running'
          ? [
              {
                key: ruleKey(e.key),
                name: e.name,
                variations: ['baseline', 'specs'],
                weights: weightsFor(e.specsShare),
                coverage: 1,
                hashAttribute: 'unitId',
                hashVersion: 2,
                seed: e.hashSeed,
                meta: [
                  { key: 'baseline', name: 'Baseline (step-level beam search)' },
                  { key: 'specs', name: 'SPECS' },
                ],
                phase: String(e.stage),
                bucketVersion: e.bucketVersion,
                minBucketVersion: 0,
              },
            ]
          : [],
    };
  }
  return { status: 200, features, experiments: [], dateUpdated: dateUpdated.toISOString() };
}

/** FNV-1a 32-bit, exactly as the GrowthBook SDKs compute it. */
export function fnv1a32(str: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h += (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24);
  }
  return h >>> 0;
}

/** GrowthBook hash v2: the unit's position in [0, 1) with 1e-4 resolution. */
export const gbHashV2 = (seed: string, unitId: string): number => (fnv1a32(String(fnv1a32(seed + unitId))) % 10000) / 10000;

/** Stable per-(experiment, unit) id for the request log: the first stage of hash v2, as 8 hex digits. */
export const unitHash = (seed: string, unitId: string): string => fnv1a32(seed + unitId).toString(16).padStart(8, '0');

/**
 * GrowthBook bucket ranges for coverage 1: baseline [0, 1-s), SPECS [1-s, 1).
 * Raising s only moves the boundary down, so no unit ever leaves SPECS on a ramp-up.
 */
export function bucketRanges(specsShare: number): [[number, number], [number, number]] {
  const [wb] = weightsFor(specsShare);
  return [
    [0, wb],
    [wb, 1],
  ];
}

export function variationForBucket(bucket: number, specsShare: number): Variation {
  const [baseline] = bucketRanges(specsShare);
  return bucket >= baseline[0] && bucket < baseline[1] ? 'baseline' : 'specs';
}

/** What the SDK will answer (without sticky bucketing); for tests, analysis and the console. */
export function expectedVariation(e: Pick<AssignableExperiment, 'hashSeed' | 'specsShare' | 'status'>, unitId: string): Variation {
  if (e.status !== 'running') return 'baseline';
  return variationForBucket(gbHashV2(e.hashSeed, unitId), e.specsShare);
}
