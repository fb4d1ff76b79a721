import type { Outcome } from '../vocabulary';
import { contribution, gradedCorrect, kpiOf, type OutcomeRow } from './outcome';
import { addSums, unitBucketOf, UNIT_BUCKETS, zeroSums } from './rollup-sums';

const row = (status: Outcome, correct: boolean | null, latencyMs = 100, costUsd = 2e-5): OutcomeRow => ({
  status,
  latencyMs,
  costUsd,
  correct,
  draftTokens: 10,
  targetTokens: 20,
  prmTokens: 5,
  draftAcceptance: null,
  targetFallbacks: null,
});

describe('outcome model', () => {
  it.each([
    ['ok, right', 'ok', true, true],
    ['ok, wrong', 'ok', false, false],
    ['ok, unlabelled', 'ok', null, null],
    ['error with a label is wrong', 'error', true, false],
    ['timeout with a label is wrong', 'timeout', true, false],
    ['error without a label stays ungraded', 'error', null, null],
  ] as const)('%s', (_name, status, label, expected) => {
    expect(gradedCorrect(status, label)).toBe(expected);
  });

  it.each([
    // status, label, n, errors, timeouts, graded, correct, latencyN, latency counted, cost counted
    ['ok', true, 1, 0, 0, 1, 1, 1, 100, 2e-5],
    ['error', null, 1, 1, 0, 0, 0, 0, 0, 2e-5],
    ['error', true, 1, 1, 0, 1, 0, 0, 0, 2e-5],
    ['timeout', false, 1, 0, 1, 1, 0, 1, 100, 2e-5],
  ] as const)('%s (label %s) contributes to the right sums', (status, label, n, errors, timeouts, graded, correct, latencyN, latency, cost) => {
    const c = contribution(row(status, label));
    expect(c).toMatchObject({ n, errors, timeouts, graded, correct, latencyN, latencySum: latency, costSum: cost });
    expect(c.latencyBucket === null).toBe(latencyN === 0);
  });

  it('a failing arm does not improve its own latency, cost or accuracy', () => {
    // 80 good requests, then 20 fast errors that still spent half a request's tokens.
    const healthy = zeroSums();
    const failing = zeroSums();
    for (let i = 0; i < 100; i++) addSums(healthy, contribution(row('ok', i % 4 === 0, 300, 2e-5)));
    for (let i = 0; i < 80; i++) addSums(failing, contribution(row('ok', i % 4 === 0, 300, 2e-5)));
    for (let i = 0; i < 20; i++) addSums(failing, contribution(row('error', i % 4 === 0 ? true : null, 5, 1e-5)));
    expect(kpiOf.latencyMean(failing)).toBe(kpiOf.latencyMean(healthy));
    expect(kpiOf.failureRate(failing)).toBeCloseTo(0.2, 12);
    expect(kpiOf.costPerRequest(failing)!).toBeGreaterThan(0);
    expect(kpiOf.accuracy(failing)!).toBeLessThan(kpiOf.accuracy(healthy)!);
  });

  it('unit buckets spread hashes over every bucket', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) seen.add(unitBucketOf(((i * 2654435761) >>> 0).toString(16).padStart(8, '0')));
    expect(seen.size).toBe(UNIT_BUCKETS);
  });
});
