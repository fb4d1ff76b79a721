import { demoPlan } from '../../server/rollout/rollout-plan';
import type { DecisionJson } from '../../server/rollout/rollout-service';
import { bannerLines, decisionLine, newDecisions } from './demo-output';

const view = { plan: demoPlan(), stageCount: 3 };
const decision = (over: Partial<DecisionJson>): DecisionJson => ({
  id: 'd1',
  at: '2026-01-12T13:36:05.000Z',
  stage: 0,
  verdict: 'hold',
  actor: 'rollout-gate (service)',
  reasons: [],
  metrics: {},
  webhookStatus: null,
  ...over,
});

describe('decisionLine', () => {
  it.each([
    [decision({ verdict: 'start', actor: 'npm-start (admin)' }), '13:36:05  START     stage 1 of 3 (25 %), by npm-start (admin)'],
    [decision({ metrics: { summary: 'Holding: SPECS needs 3 more graded answers at 25 %; nothing is breached.' } }), 'HOLD      stage 1 of 3 (25 %): Holding: SPECS needs 3 more graded answers'],
    [decision({ verdict: 'advance', stage: 0 }), 'ADVANCE   stage 1 of 3 (25 %) → stage 2 of 3 (50 %)'],
    [decision({ verdict: 'advance', stage: 1 }), '→ stage 3 of 3 (100 %): SHIPPED'],
    [decision({ verdict: 'rollback', stage: 1, reasons: [{ message: 'error rate: worse by at least 9.00 pts' }] }), 'ROLLBACK  stage 2 of 3 (50 %) → 0 % SPECS: error rate: worse by at least 9.00 pts'],
    [decision({ verdict: 'manual-rollback', actor: 'sre (admin)', reasons: [{ message: 'paged' }] }), 'ROLLBACK  stage 1 of 3 (25 %) → 0 % SPECS, by sre (admin): paged'],
  ])('%#: %s', (d, expected) => {
    expect(decisionLine(d, view)).toContain(expected);
  });
});

it('newDecisions returns each decision once, oldest first, leaving out plan saves and earlier runs', () => {
  const seen = new Set<string>();
  const since = Date.parse('2026-01-12T13:36:00.000Z');
  const decisions = [
    decision({ id: 'c', at: '2026-01-12T13:36:20.000Z' }),
    decision({ id: 'p', at: '2026-01-12T13:36:10.000Z', verdict: 'plan' }),
    decision({ id: 'b', at: '2026-01-12T13:36:10.000Z' }),
    decision({ id: 'old', at: '2026-01-12T13:00:00.000Z' }),
  ];
  expect(newDecisions({ decisions }, since, seen).map((d) => d.id)).toEqual(['b', 'c']);
  expect(newDecisions({ decisions }, since, seen)).toEqual([]);
});

it('the banner names development keys but never echoes configured ones', () => {
  expect(bannerLines('http://127.0.0.1:3000', { apiKeys: { admin: 'dev-admin-key', service: 'dev-service-key' } }, 'demo').join('\n')).toContain('admin key dev-admin-key');
  const configured = bannerLines('http://x', { apiKeys: { admin: 'a-real-secret-key-0123456789', service: 's-real-secret-key-0123456789' } }, null).join('\n');
  expect(configured).toContain('your ADMIN_API_KEY');
  expect(configured).not.toContain('real-secret');
});
