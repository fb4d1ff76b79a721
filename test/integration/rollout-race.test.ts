import pino from 'pino';
import { createCore, type Core } from '../../server/app/core';
import type { Actor } from '../../server/experiments';
import { createTestDatabase, testAppConfig, type TestDatabase } from '../support';

/**
 * Two API instances (two cores, each with its own connection pool and in-process lock) race
 * an advance against a rollback. Whatever order they land in, a rolled-back plan always has
 * SPECS at 0 %, and every analysis stage holds one share.
 */
jest.setTimeout(120_000);

const admin: Actor = { name: 'race-admin', role: 'admin' };
let db: TestDatabase;
let a: Core;
let b: Core;

beforeAll(async () => {
  db = await createTestDatabase('rollout_race');
  const config = testAppConfig({ db });
  const logger = pino({ level: 'silent' });
  a = await createCore(config, { logger, clock: Date.now, migrate: false });
  b = await createCore(config, { logger, clock: Date.now, migrate: false });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

it.each(Array.from({ length: 14 }, (_, i) => [i]))('trial %i: a rollback is never undone by a concurrent advance', async (i) => {
  const key = `race-${i}`;
  await a.experiments.create({ key, specsShare: 0, status: 'running' }, admin);
  await a.rollout.rollout.start(key, admin);
  await b.experiments.refresh();
  // Two instances, two actions at once; the loser may get a 409, never a half-applied change.
  const results = await Promise.allSettled(
    i % 2 === 0 ? [a.rollout.rollout.advance(key, admin), b.rollout.rollout.rollback(key, admin, 'race')] : [b.rollout.rollout.rollback(key, admin, 'race'), a.rollout.rollout.advance(key, admin)],
  );
  for (const r of results) if (r.status === 'rejected') expect((r.reason as { status?: number }).status).toBe(409);
  const state = await db.pool.query(
    `SELECT p.status::text AS status, e.specs_share AS share FROM rollout_plan p JOIN experiment e ON e.id = p.experiment_id WHERE e.key = $1`,
    [key],
  );
  expect(state.rows[0].status).toBe('rolled_back');
  expect(state.rows[0].share).toBe(0);
  const stages = await db.pool.query(
    `SELECT h.stage, count(DISTINCT h.specs_share)::int AS shares FROM share_history h JOIN experiment e ON e.id = h.experiment_id
      WHERE e.key = $1 GROUP BY h.stage HAVING count(DISTINCT h.specs_share) > 1`,
    [key],
  );
  expect(stages.rows).toEqual([]);
});
