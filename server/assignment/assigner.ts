import { randomUUID } from 'node:crypto';
import { GrowthBookClient, RedisStickyBucketService, type FeatureApiResponse, type UserContext } from '@growthbook/growthbook';
import type { Logger } from 'pino';
import { experimentKeyOfRule, featureKey, unitHash, type FeaturesPayload, type Variation } from './payload';

export interface Assignment {
  readonly variant: Variation;
  readonly unitId: string;
  /** `unitHash(seed, unitId)`: stable per experiment and unit, for the request log. */
  readonly unitHash: string;
}

export interface Assigner {
  /** The SDK adapter: evaluates the experiment's feature for the unit (a fresh random unit when absent). */
  assign(experiment: { key: string; hashSeed: string }, unitId?: string): Promise<Assignment>;
  /** Replaces the payload the SDK evaluates against (synchronous, no fetch). */
  setPayload(payload: FeaturesPayload): void;
  close(): void;
}

/** Minimal ioredis surface RedisStickyBucketService needs. */
export interface StickyRedis {
  mget(...keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string): Promise<unknown>;
}

export interface AssignerOptions {
  logger: Logger;
  /** Called for every exposure the SDK tracks (metrics). */
  onExposure?: (experimentKey: string, variant: Variation) => void;
  /** Sticky bucketing through the SDK's RedisStickyBucketService. */
  stickyRedis?: StickyRedis;
}

/**
 * One GrowthBookClient (the SDK's multi-user client) holds the payload for the
 * whole process; a request only builds a small user context, so assignment
 * costs microseconds and creates no SDK instance per request.
 *
 * The payload is always ours (features-source.ts, from the shares in Postgres): the
 * rollout is the one authority for the split, so a rollback moves traffic at once.
 * Loading it from a GrowthBook server would let the split and the rollout disagree.
 */
export function createAssigner(options: AssignerOptions): Assigner {
  const { logger, onExposure } = options;
  const gb = new GrowthBookClient({
    trackingCallback: (experiment, result) => {
      const variant = result.value as Variation;
      const key = experimentKeyOfRule(experiment.key);
      onExposure?.(key, variant);
      if (logger.isLevelEnabled('debug')) {
        logger.debug({ experiment: key, variant, unitId: result.hashValue, bucket: result.bucket }, 'exposure');
      }
    },
  });
  const sticky = options.stickyRedis
    ? new RedisStickyBucketService({ redis: options.stickyRedis as ConstructorParameters<typeof RedisStickyBucketService>[0]['redis'] })
    : undefined;

  return {
    async assign(experiment, unitId) {
      const id = unitId ?? randomUUID();
      let ctx: UserContext = { attributes: { unitId: id } };
      if (sticky) ctx = await gb.applyStickyBuckets(ctx, sticky);
      const result = gb.evalFeature<Variation>(featureKey(experiment.key), ctx);
      const variant: Variation = result.value === 'specs' ? 'specs' : 'baseline';
      return { variant, unitId: id, unitHash: unitHash(experiment.hashSeed, id) };
    },

    setPayload(payload) {
      gb.initSync({ payload: payload as unknown as FeatureApiResponse });
    },

    close() {
      gb.destroy();
    },
  };
}
