import { encodeCopyRows } from './copy-encoder';
import type { RequestLogRow } from './request-log-row';
import { storedReal } from '../analysis/outcome';
import { aggregateRollup, mergeRollupDeltas } from './rollup-aggregate';

const base: RequestLogRow = {
  requestId: 'r1',
  experiment: 'e',
  stage: 2,
  variant: 'specs',
  strategy: 'specs',
  unitHash: 'u',
  receivedAt: new Date('2025-03-04T05:06:07.089Z'),
  startedAt: null,
  finishedAt: new Date('2025-03-04T05:06:08Z'),
  queueWaitMs: null,
  decodeMs: 1.23456,
  latencyMs: 12.3456,
  draftTokens: 3,
  targetTokens: 4,
  prmTokens: 5,
  draftMs: 0,
  targetMs: -0.0004,
  prmMs: 2,
  modelCalls: 7,
  targetFallbacks: null,
  draftAcceptance: 0.1234567,
  costUsd: 1.5e-7,
  prmScore: 1,
  answer: -12,
  reference: null,
  correct: false,
  gradingSource: 'reference',
  error: 'a\tb\nc\\d\re ü',
  status: 'ok',
};

describe('encodeCopyRows', () => {
  it('writes COPY text: \\N nulls, escaped text, ISO timestamps, fixed-precision reals', () => {
    const line = encodeCopyRows([base]).toString('utf8');
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1).split('\t')).toEqual([
      'r1', 'e', '2', 'specs', 'specs', 'u',
      '2025-03-04T05:06:07.089Z', '\\N', '2025-03-04T05:06:08.000Z',
      '\\N', '1.235', '12.346', '3', '4', '5', '0.000', '0.000', '2.000', '7', '\\N',
      '0.123457', '1.5e-7', '1.000000', '-12', '\\N', 'f', 'reference', 'a\\tb\\nc\\\\d\\re ü', 'ok',
    ]);
  });

  it.each([
    ['1970-01-01T00:00:00.000Z'],
    ['1999-12-31T23:59:59.999Z'],
    ['2024-02-29T12:00:00.500Z'],
    ['9999-12-31T23:59:59.999Z'],
  ])('formats %s like Date#toISOString', (iso) => {
    const line = encodeCopyRows([{ ...base, receivedAt: new Date(iso) }]).toString('utf8');
    expect(line.split('\t')[6]).toBe(iso);
  });

  it('grows its buffer for large rows', () => {
    const big = 'x'.repeat(100_000);
    expect(encodeCopyRows([{ ...base, error: big }, base]).toString('utf8')).toContain(big);
  });
});

describe('aggregateRollup', () => {
  it('groups by experiment, stage, variant and minute, with stored-precision sums', () => {
    const rows = [
      base,
      { ...base, requestId: 'r2', correct: true, latencyMs: 100, receivedAt: new Date('2025-03-04T05:06:59.999Z') },
      { ...base, requestId: 'r3', correct: null, status: 'error' as const, receivedAt: new Date('2025-03-04T05:07:00Z') },
    ];
    const {
      minutes: [a, b],
      units,
    } = aggregateRollup(rows);
    expect(a).toMatchObject({ n: 2, graded: 2, correct: 1, errors: 0, bucketMs: Date.parse('2025-03-04T05:06:00Z'), draftAcceptanceN: 2 });
    expect(units.reduce((x, u) => x + u.n, 0)).toBe(3);
    expect(a!.latencySum).toBe(storedReal(12.3456, 1e3) + 100);
    expect(a!.costCorrectSum).toBeCloseTo(1.5e-7, 20);
    expect(a!.latencyHist.reduce((x, y) => x + y, 0)).toBe(2);
    // An error is out of the latency distribution and, unlabelled, ungraded.
    expect(b).toMatchObject({ n: 1, graded: 0, errors: 1, latencyN: 0, latencySum: 0 });
    expect(b!.latencyHist.reduce((x, y) => x + y, 0)).toBe(0);
  });
});

describe('mergeRollupDeltas', () => {
  it('sums deltas that share a key, so one upsert never touches a row twice', () => {
    const rows = [base, { ...base, requestId: 'r2' }, { ...base, requestId: 'r3', receivedAt: new Date('2025-03-04T05:09:00Z') }];
    const whole = aggregateRollup(rows);
    const merged = mergeRollupDeltas([aggregateRollup(rows.slice(0, 1)), aggregateRollup(rows.slice(1))]);
    expect(merged.minutes).toEqual(whole.minutes);
    expect(merged.units).toEqual(whole.units);
  });
});
