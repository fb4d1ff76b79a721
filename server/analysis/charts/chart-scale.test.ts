import { clampTo, formatDateTime, formatOffset, linearScale, niceDomain, niceStep, niceTicks, timeTickLabels, timeTicks } from './chart-scale';

const T = Date.parse('2026-12-01T13:36:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('chart scale', () => {
  it.each([
    [0.7, 1],
    [1.2, 2],
    [2.2, 2.5],
    [3, 5],
    [0.00013, 0.0002],
    [70, 100],
  ])('nice step for %p is %p', (raw, step) => {
    expect(niceStep(raw)).toBeCloseTo(step, 12);
  });

  it.each([
    [0, 0.33],
    [0.755, 0.845],
    [-0.134, 0.27],
    [0, 0.000748],
    [5, 5],
    [-3, -1],
    [1e-7, 3e-7],
  ])('ticks cover [%p, %p] with equal steps', (lo, hi) => {
    const t = niceTicks(lo, hi);
    expect(t[0]!).toBeLessThanOrEqual(lo);
    expect(t[t.length - 1]!).toBeGreaterThanOrEqual(hi);
    expect(t.length).toBeGreaterThanOrEqual(2);
    expect(t.length).toBeLessThanOrEqual(12);
    const steps = t.slice(1).map((x, i) => x - t[i]!);
    for (const s of steps) expect(s).toBeCloseTo(steps[0]!, 9);
  });

  it.each([
    ['costs with headroom', [0.0006, 0.000748, 0.0004], { includeZero: true, headroom: 0.15 }],
    ['accuracy CIs clipped to [0, 1]', [0.01, 0.999, 0.5], { padding: 0.2, min: 0, max: 1 }],
    ['a single value', [0.25], {}],
    ['negative effects', [-1.34, 0.27], { includeZero: true }],
  ] as const)('domain holds every value: %s', (_name, values, options) => {
    const d = niceDomain(values, options);
    for (const v of values) {
      expect(d.lo).toBeLessThanOrEqual(v);
      expect(d.hi).toBeGreaterThanOrEqual(v);
    }
    for (const t of d.ticks) {
      expect(t).toBeGreaterThanOrEqual(d.lo - 1e-12);
      expect(t).toBeLessThanOrEqual(d.hi + 1e-12);
    }
    if ('min' in options) expect(d.lo).toBeGreaterThanOrEqual(options.min);
    if ('max' in options) expect(d.hi).toBeLessThanOrEqual(options.max);
    if ('headroom' in options) expect(d.hi).toBeGreaterThanOrEqual(Math.max(...values) * (1 + options.headroom) - 1e-15);
  });

  it.each([
    [5, 0, 10, 100, 200, 150],
    [-5, 0, 10, 100, 200, 100],
    [15, 0, 10, 100, 200, 200],
    [0, 0, 1, 300, 20, 300],
  ])('linear scale maps %p in [%p, %p] to [%p, %p] → %p, clamped', (v, d0, d1, r0, r1, out) => {
    expect(linearScale([d0, d1], [r0, r1])(v)).toBeCloseTo(out, 9);
  });

  it('clamps label anchors', () => {
    expect(clampTo(-3, 10, 20)).toBe(10);
    expect(clampTo(25, 10, 20)).toBe(20);
    expect(clampTo(12, 10, 20)).toBe(12);
  });

  it.each([
    ['40 seconds', T, T + 40_000, 0],
    ['4 minutes', T, T + 4 * MIN, 0],
    ['12 minutes at UTC+1', T, T + 12 * MIN, 60],
    ['3 hours', T, T + 3 * HOUR, 0],
    ['across midnight', T, T + 14 * HOUR, -300],
    ['3 days', T, T + 3 * DAY, 0],
    ['5 weeks', T, T + 35 * DAY, 0],
  ])('time axis over %s: ticks inside the range, distinct labels', (_name, t0, t1, offset) => {
    const { step, ticks } = timeTicks(t0, t1, 5, offset);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(6);
    for (const t of ticks) {
      expect(t).toBeGreaterThanOrEqual(t0);
      expect(t).toBeLessThanOrEqual(t1);
    }
    const labels = timeTickLabels(ticks, step, offset);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it.each([
    [T, 0, false, '2026-12-01 13:36'],
    [T, 60, false, '2026-12-01 14:36'],
    [T + 7_000, 0, true, '2026-12-01 13:36:07'],
    [Date.parse('2026-12-31T23:30:00Z'), 60, false, '2027-01-01 00:30'],
    [Number.NaN, 0, false, '–'],
  ])('formats %p at offset %p as ISO-like', (t, offset, seconds, text) => {
    expect(formatDateTime(t, offset, seconds)).toBe(text);
  });

  it.each([
    [0, 'UTC+00:00'],
    [60, 'UTC+01:00'],
    [-330, 'UTC−05:30'],
  ])('offset %p reads %p', (m, text) => {
    expect(formatOffset(m)).toBe(text);
  });

  it('labels a day change with its date', () => {
    const { step, ticks } = timeTicks(Date.parse('2026-12-01T20:00:00Z'), Date.parse('2026-12-02T08:00:00Z'), 5, 0);
    const labels = timeTickLabels(ticks, step, 0);
    expect(labels.some((l) => l.startsWith('12-02 '))).toBe(true);
  });
});
