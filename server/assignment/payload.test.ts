import { GrowthBookClient, type FeatureApiResponse } from '@growthbook/growthbook';
import {
  bucketRanges,
  buildFeaturePayload,
  expectedVariation,
  featureKey,
  fnv1a32,
  gbHashV2,
  unitHash,
  variationForBucket,
  weightsFor,
  type AssignableExperiment,
} from './payload';

const exp = (over: Partial<AssignableExperiment> = {}): AssignableExperiment => ({
  key: 'exp-a',
  name: 'Exp A',
  status: 'running',
  specsShare: 0.25,
  hashSeed: 'exp-a',
  stage: 2,
  bucketVersion: 3,
  ...over,
});

describe('weights and ranges', () => {
  it.each([
    [0, [1, 0]],
    [0.1, [0.9, 0.1]],
    [0.25, [0.75, 0.25]],
    [0.7, [0.3, 0.7]],
    [1, [0, 1]],
    [-0.5, [1, 0]],
    [1.5, [0, 1]],
  ])('share %p → weights %p', (share, weights) => {
    expect(weightsFor(share)).toEqual(weights);
  });

  it.each([
    [0.5, 0.49, 'baseline'],
    [0.5, 0.5, 'specs'],
    [0, 0.9999, 'baseline'],
    [1, 0, 'specs'],
    [0.1, 0.8999, 'baseline'],
    [0.1, 0.9, 'specs'],
  ] as const)('share %p, bucket %p → %s', (share, bucket, variant) => {
    expect(variationForBucket(bucket, share)).toBe(variant);
  });

  it.each([0, 0.1, 0.25, 0.5, 0.9, 1])('ranges for %p cover [0,1) with baseline first', (share) => {
    const [b, s] = bucketRanges(share);
    expect(b[0]).toBe(0);
    expect(b[1]).toBe(s[0]);
    expect(s[1]).toBe(1);
  });
});

describe('hash', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('fnv1a32(%p)', (input, expected) => {
    expect(fnv1a32(input)).toBe(expected);
  });

  it.each([
    ['seed', 'unit-1'],
    ['exp-a', 'user-42'],
    ['', 'x'],
  ])('gbHashV2(%p, %p) is in [0,1) and stable', (seed, id) => {
    const h = gbHashV2(seed, id);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(1);
    expect(gbHashV2(seed, id)).toBe(h);
    expect(unitHash(seed, id)).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('buildFeaturePayload', () => {
  const date = new Date('2025-01-02T03:04:05.000Z');

  it('has the GrowthBook server shape with one experiment rule per running experiment', () => {
    const payload = buildFeaturePayload([exp()], date);
    expect(payload).toEqual({
      status: 200,
      experiments: [],
      dateUpdated: '2025-01-02T03:04:05.000Z',
      features: {
        'decoding-strategy:exp-a': {
          defaultValue: 'baseline',
          rules: [
            expect.objectContaining({
              key: 'specs-ab:exp-a',
              name: 'Exp A',
              variations: ['baseline', 'specs'],
              weights: [0.75, 0.25],
              coverage: 1,
              hashAttribute: 'unitId',
              hashVersion: 2,
              seed: 'exp-a',
              phase: '2',
              bucketVersion: 3,
              minBucketVersion: 0,
            }),
          ],
        },
      },
    });
  });

  it.each(['draft', 'paused', 'stopped', 'completed'] as const)('%s experiments serve the baseline to everyone', (status) => {
    const payload = buildFeaturePayload([exp({ status })], date);
    expect(payload.features[featureKey('exp-a')]).toEqual({ defaultValue: 'baseline', rules: [] });
    expect(expectedVariation(exp({ status }), 'u1')).toBe('baseline');
  });
});

describe('agreement with the GrowthBook SDK', () => {
  it.each([0, 0.1, 0.25, 0.5, 0.9, 1])('share %p: SDK assignment equals the pure core for 2,000 units', (share) => {
    const e = exp({ specsShare: share });
    const gb = new GrowthBookClient().initSync({ payload: buildFeaturePayload([e], new Date()) as unknown as FeatureApiResponse });
    for (let i = 0; i < 2000; i++) {
      const unitId = `u-${i}`;
      const r = gb.evalFeature(featureKey(e.key), { attributes: { unitId } });
      expect(r.value).toBe(expectedVariation(e, unitId));
      expect(r.experimentResult?.bucket).toBe(gbHashV2(e.hashSeed, unitId));
    }
  });
});
