/**
 * `npm start`'s demo setup (scripts/start/demo-setup.ts) over the real experiments and rollout
 * services on Postgres: whatever an earlier run or a person left behind, the demo ends up with
 * traffic it can serve (never a stopped experiment answering 409) and says what it did.
 */
import { createAppContext, type AppContext } from '../../server/app/create-app-context';
import { demoPlan } from '../../server/rollout/rollout-plan';
import { prepareDemo } from '../../scripts/start/demo-setup';
import { createFakeDecoder } from '../support/stand-in-decoders';
import { createTestDatabase, testAppConfig, type TestDatabase } from '../support';

jest.setTimeout(120_000);

const ACTOR = { name: 'npm-start', role: 'admin' as const };
const PERSON = { name: 'sre', role: 'admin' as const };

let db: TestDatabase;
let ctx: AppContext;
const deps = () => ({ experiments: ctx.experiments, rollout: ctx.rollout, actor: ACTOR });

beforeAll(async () => {
  db = await createTestDatabase('quickstart_demo');
  ctx = await createAppContext(testAppConfig({ db, env: { GATE_EVAL_INTERVAL_MS: '3600000' } }), { role: 'api', migrate: false, decoder: createFakeDecoder() });
});

afterAll(async () => {
  await ctx?.close();
  await db?.drop();
});

it('first run: creates "demo" and starts its rollout on the demo plan', async () => {
  const setup = await prepareDemo(deps());
  expect(setup.key).toBe('demo');
  expect(setup.view).toMatchObject({ status: 'running', currentStage: 0, currentShare: 0.25, experimentStatus: 'running' });
  expect(setup.view.plan).toEqual(demoPlan());
  expect(setup.notes.join('\n')).toMatch(/created experiment "demo"[\s\S]*DEMO plan: 25 % → 50 % → 100 % SPECS/);
});

it('a running rollout is continued, not restarted', async () => {
  const setup = await prepareDemo(deps());
  expect(setup.key).toBe('demo');
  expect(setup.notes).toEqual([expect.stringContaining('is running at stage 1 of 3 (25 % SPECS); continuing it')]);
});

it('a rolled-back rollout starts again from its first stage, and says why it had stopped', async () => {
  await ctx.rollout.rollback('demo', PERSON, 'latency looked off');
  const setup = await prepareDemo(deps());
  expect(setup.view).toMatchObject({ status: 'running', currentStage: 0, currentShare: 0.25 });
  expect(setup.notes[0]).toContain('was rolled back earlier (sre (admin): latency looked off)');
});

it('a paused experiment is resumed so its traffic is served', async () => {
  await ctx.experiments.pause('demo', PERSON);
  const setup = await prepareDemo(deps());
  expect(setup.view.experimentStatus).toBe('running');
  expect(setup.notes[0]).toContain('was paused; resumed it');
});

it('a stopped experiment stays stopped: "demo-2" takes over, and the next run keeps using it', async () => {
  await ctx.experiments.stop('demo', PERSON);
  const setup = await prepareDemo(deps());
  expect(setup.key).toBe('demo-2');
  expect(setup.view).toMatchObject({ status: 'running', experimentStatus: 'running', currentShare: 0.25 });
  expect(setup.notes[0]).toContain('experiment "demo" is stopped');
  expect((await ctx.experiments.get('demo')).status).toBe('stopped');
  expect((await prepareDemo(deps())).key).toBe('demo-2');
});

it('--new-demo starts a fresh one even when the last is fine', async () => {
  const setup = await prepareDemo(deps(), { fresh: true });
  expect(setup.key).toBe('demo-3');
  expect(setup.notes[0]).toContain('--new-demo');
});

it('a shipped rollout starts again from its first stage', async () => {
  await ctx.rollout.advance('demo-3', PERSON);
  expect((await ctx.rollout.advance('demo-3', PERSON)).status).toBe('completed');
  const setup = await prepareDemo(deps());
  expect(setup.view).toMatchObject({ status: 'running', currentStage: 0, currentShare: 0.25 });
  expect(setup.notes[0]).toContain('shipped SPECS to 100 % earlier; starting it again');
});
