import { formatSummary, plainDecimal, quantile, runTraffic, summarize, type RequestResult } from './traffic-runner';

const r = (over: Partial<RequestResult>): RequestResult => ({ status: 200, requestId: null, variant: 'baseline', correct: true, latencyMs: 10, rttMs: 11, costUsd: 0.001, ...over });

describe('traffic runner', () => {
  it.each([
    [[], 0.5, null],
    [[5], 0.95, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4, 5], 0.95, 4.8],
  ])('quantile(%j, %p) = %p', (xs, q, expected) => {
    const got = quantile(xs, q);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected);
  });

  it('summarizes per variant: accuracy over graded, latency and cost over successes', () => {
    const s = summarize([
      r({ variant: 'specs', correct: true, latencyMs: 10 }),
      r({ variant: 'specs', correct: false, latencyMs: 30 }),
      r({ variant: 'specs', status: 504, correct: null, latencyMs: null, costUsd: null }),
      r({ variant: 'baseline', correct: null, latencyMs: 20 }),
    ]);
    expect(s).toEqual([
      expect.objectContaining({ variant: 'baseline', n: 1, errors: 0, graded: 0, accuracy: null, latencyMean: 20 }),
      expect.objectContaining({ variant: 'specs', n: 3, errors: 1, graded: 2, accuracy: 0.5, latencyMean: 20, latencyP50: 20, costTotal: 0.002 }),
    ]);
  });

  it('sends at most rps × duration requests with references and reports them', async () => {
    const bodies: Record<string, unknown>[] = [];
    const fetchImpl = (async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as Record<string, unknown>;
      bodies.push(body);
      return new Response(JSON.stringify({ variant: bodies.length % 2 ? 'specs' : 'baseline', correct: true, latencyMs: 5, costUsd: 0.01 }), { status: 200 });
    }) as typeof fetch;
    const report = await runTraffic({
      url: 'http://x',
      key: 'k',
      rps: 200,
      durationS: 0.05,
      problems: [{ question: '1+2', answer: 3 }],
      fetchImpl,
    });
    expect(report.sent).toBeLessThanOrEqual(10);
    expect(report.completed).toBe(report.sent);
    expect(bodies[0]).toMatchObject({ question: '1+2', reference: 3 });
    expect(report.variants.reduce((s, v) => s + v.n, 0)).toBe(report.sent);
  });

  it.each([
    [8.563e-5, '0.0000856'],
    [0.00256, '0.00256'],
    [12.345, '12.3'],
    [0, '0'],
    [1234.5, '1235'],
  ])('plainDecimal(%p) = %s', (x, expected) => {
    expect(plainDecimal(x)).toBe(expected);
  });

  it('prints units in the headers and costs as plain decimals', () => {
    const variants = summarize([r({ costUsd: 8.563e-5, decodeMs: 20 }), r({ costUsd: 8.563e-5, decodeMs: 30 })]);
    expect(variants[0]!.decodeMean).toBe(25);
    const text = formatSummary({ sent: 2, completed: 2, failed: 0, shed: 0, durationS: 1, byStatus: { 200: 2 }, variants });
    expect(text).toMatch(/latency mean ms/);
    expect(text).toMatch(/decode mean ms/);
    expect(text).toMatch(/cost\/request USD/);
    expect(text).toContain('0.0000856');
    expect(text).not.toMatch(/\de-\d/);
  });

  it('stops early when shouldStop says so', async () => {
    let calls = 0;
    const fetchImpl = (async () => {
      calls++;
      return new Response(JSON.stringify({ variant: 'specs', correct: true, latencyMs: 1, costUsd: 0 }), { status: 200 });
    }) as typeof fetch;
    const report = await runTraffic({ url: 'http://x', key: 'k', rps: 1000, durationS: 10, problems: [{ question: '1+2', answer: 3 }], fetchImpl, shouldStop: () => calls >= 3 });
    expect(report.sent).toBeLessThan(10);
  });
});
