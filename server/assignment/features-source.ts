import type { Experiment } from '../experiments/experiment-types';
import type { Assigner } from './assigner';
import { buildFeaturePayload, type FeaturesPayload } from './payload';

/**
 * Keeps one payload object, rebuilt only when the experiments change, and
 * hands it to the local assigner. /api/features serves the same object.
 */
export function createFeaturesSource(deps: {
  experiments: { cached(): readonly Experiment[]; onChange(l: (e: readonly Experiment[]) => void): () => void };
  /** The assigner evaluates this payload. */
  assigner: Assigner;
  now?: () => Date;
}): { current(): FeaturesPayload; close(): void } {
  const now = deps.now ?? (() => new Date());
  let payload = buildFeaturePayload(deps.experiments.cached(), now());
  deps.assigner.setPayload(payload);
  const off = deps.experiments.onChange((list) => {
    payload = buildFeaturePayload(list, now());
    deps.assigner.setPayload(payload);
  });
  return { current: () => payload, close: off };
}
