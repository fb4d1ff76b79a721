import { quantile, runTraffic, summarize, type RequestResult } from './traffic-runner';

const r = (over: Partial<RequestResult>): RequestResult => ({ status: 200, variant: 'baseline', correct: true, latencyMs: 10, rttMs: 11, costUsd: 0.001, ...over });

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
});
