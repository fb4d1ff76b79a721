import pino from 'pino';
import { createAssigner, createFeaturesSource, expectedVariation, type Assigner } from '../../server/assignment';
import { createExperimentsRepository, createExperimentsService, type Actor, type ExperimentsService } from '../../server/experiments';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '../support';

const admin: Actor = { name: 'test-admin', role: 'admin' };
const logger = pino({ level: 'silent' });
const N = 10_000;
const units = Array.from({ length: N }, (_, i) => `unit-${i}`);

/** Upper tail of chi-square with 1 degree of freedom: P(X > x) = erfc(sqrt(x/2)). */
function chiSquare1Pvalue(x: number): number {
  const z = Math.sqrt(x / 2);
  // Abramowitz–Stegun 7.1.26 erfc approximation (|error| < 1.5e-7).
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * Math.exp(-z * z);
}

describe('assignment on real experiments (Postgres) through the GrowthBook SDK', () => {
  let db: TestDatabase;
  let experiments: ExperimentsService;
  let assigner: Assigner;
  let exposures = 0;

  beforeAll(async () => {
    db = await createTestDatabase('assignment');
    experiments = createExperimentsService({ repo: createExperimentsRepository(db.prisma) });
    assigner = createAssigner({ logger, onExposure: () => exposures++ });
    createFeaturesSource({ experiments, assigner });
  });
  afterAll(async () => {
    assigner.close();
    await db.drop();
  });

  const assignAll = async (key: string) => {
    const e = experiments.cached().find((x) => x.key === key)!;
    const out = new Map<string, string>();
    for (const u of units) out.set(u, (await assigner.assign(e, u)).variant);
    return out;
  };

  it.each([0.1, 0.3, 0.5])('over 10,000 units the SPECS share matches %p (chi-square p > 0.001)', async (share) => {
    const key = `split-${String(share).replace('.', '')}`;
    await experiments.create({ key, specsShare: share }, admin);
    const variants = await assignAll(key);
    const specs = [...variants.values()].filter((v) => v === 'specs').length;
    const expected = [N * (1 - share), N * share];
    const observed = [N - specs, specs];
    const chi2 = observed.reduce((s, o, i) => s + (o - expected[i]!) ** 2 / expected[i]!, 0);
    expect(chiSquare1Pvalue(chi2)).toBeGreaterThan(0.001);
  });

  it('ramping 10% → 25% → 50% never moves a unit from SPECS back to baseline', async () => {
    await experiments.create({ key: 'ramp', specsShare: 0.1 }, admin);
    let previous = await assignAll('ramp');
    for (const share of [0.25, 0.5]) {
      await experiments.setShare('ramp', share, admin);
      const next = await assignAll('ramp');
      const left = units.filter((u) => previous.get(u) === 'specs' && next.get(u) !== 'specs');
      expect(left).toEqual([]);
      expect([...next.values()].filter((v) => v === 'specs').length).toBeGreaterThan([...previous.values()].filter((v) => v === 'specs').length);
      previous = next;
    }
  });

  it('the same unit gets the same variant again, as the pure core predicts, and exposures are tracked', async () => {
    await experiments.create({ key: 'repeat', specsShare: 0.5 }, admin);
    const e = experiments.cached().find((x) => x.key === 'repeat')!;
    const before = exposures;
    for (const u of units.slice(0, 500)) {
      const a = await assigner.assign(e, u);
      const b = await assigner.assign(e, u);
      expect(b.variant).toBe(a.variant);
      expect(b.unitHash).toBe(a.unitHash);
      expect(a.variant).toBe(expectedVariation(e, u));
    }
    expect(exposures - before).toBe(1000);
    const anonymous = await assigner.assign(e);
    expect(anonymous.unitId).toMatch(/[0-9a-f-]{36}/);
  });

  it('changes write audit_log and share_history; rollback and stop bump bucketVersion; paused serves baseline', async () => {
    await experiments.create({ key: 'audited', specsShare: 0.2 }, admin);
    await experiments.setShare('audited', 0.4, admin);
    const rolled = await experiments.setShare('audited', 0, admin);
    expect(rolled).toMatchObject({ specsShare: 0, stage: 2, bucketVersion: 2 });
    expect([...(await assignAll('audited')).values()].every((v) => v === 'baseline')).toBe(true);
    await experiments.setShare('audited', 0.5, admin);
    const paused = await experiments.pause('audited', admin);
    const e = experiments.cached().find((x) => x.key === 'audited')!;
    expect(e.status).toBe('paused');
    for (const u of units.slice(0, 200)) expect((await assigner.assign(e, u)).variant).toBe('baseline');
    await experiments.resume('audited', admin);
    const stopped = await experiments.stop('audited', admin);
    expect(stopped.bucketVersion).toBe(paused.bucketVersion + 1);

    const audit = await experiments.audit('audited');
    expect(audit.map((a) => a.action)).toEqual(['stop', 'resume', 'pause', 'set-share', 'set-share', 'set-share', 'create']);
    expect(audit.every((a) => a.actor === 'test-admin (admin)')).toBe(true);
    expect(audit[4]).toMatchObject({ before: { specsShare: 0.4 }, after: { specsShare: 0, bucketVersion: 2 } });
    const history = await db.prisma.shareHistory.findMany({ where: { experiment: { key: 'audited' } }, orderBy: { id: 'asc' } });
    expect(history.map((h) => [h.specsShare, h.reason])).toEqual([
      [0.2, 'create'],
      [0.4, 'set-share'],
      [0, 'rollback'],
      [0.5, 'set-share'],
      [0.5, 'pause'],
      [0.5, 'resume'],
      [0, 'stop'],
    ]);
  });
});

describe('sticky bucketing (RedisStickyBucketService)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let experiments: ExperimentsService;
  let assigner: Assigner;

  beforeAll(async () => {
    db = await createTestDatabase('assignment_sticky');
    redis = createTestRedis('assignment-sticky');
    experiments = createExperimentsService({ repo: createExperimentsRepository(db.prisma) });
    const conn = redis.connect();
    // Namespaced per test file: the service writes `gbStickyBuckets__unitId||<id>` keys.
    const namespaced = {
      mget: (...keys: string[]) => conn.mget(...keys.map((k) => redis.keyPrefix + k)),
      set: (key: string, value: string) => conn.set(redis.keyPrefix + key, value),
    };
    assigner = createAssigner({ logger, stickyRedis: namespaced });
    createFeaturesSource({ experiments, assigner });
  });
  afterAll(async () => {
    assigner.close();
    await redis.cleanup();
    await db.drop();
  });

  it('keeps units in SPECS when the share drops, but a rollback to 0% moves everyone to baseline', async () => {
    await experiments.create({ key: 'sticky', specsShare: 0.5 }, admin);
    const get = () => experiments.cached().find((x) => x.key === 'sticky')!;
    const sample = units.slice(0, 300);
    const first = new Map<string, string>();
    for (const u of sample) first.set(u, (await assigner.assign(get(), u)).variant);
    await new Promise((r) => setTimeout(r, 200)); // sticky docs are saved asynchronously by the SDK

    await experiments.setShare('sticky', 0.1, admin);
    for (const u of sample) {
      const a = await assigner.assign(get(), u);
      if (first.get(u) === 'specs') expect(a.variant).toBe('specs');
    }

    await experiments.setShare('sticky', 0, admin);
    for (const u of sample) expect((await assigner.assign(get(), u)).variant).toBe('baseline');
  });
});
