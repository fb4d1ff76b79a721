import pino from 'pino';
import { createWebhookNotifier, SIGNATURE_HEADER, signBody } from './webhooks';

const logger = pino({ level: 'silent' });
type Call = { url: string; init: RequestInit };

function fakeFetch(responses: (number | 'hang' | 'throw')[]) {
  const calls: Call[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const r = responses.shift() ?? 200;
    if (r === 'throw') throw new Error('connection refused');
    if (r === 'hang') {
      return new Promise((_res, rej) => init.signal?.addEventListener('abort', () => rej(Object.assign(new Error('aborted'), { name: 'TimeoutError' }))));
    }
    return new Response(null, { status: r });
  }) as unknown as typeof fetch;
  return { calls, impl };
}

describe('webhooks', () => {
  it.each([
    ['first try', [200], 'delivered', 1],
    ['after a 500 and a network error', [500, 'throw', 204], 'delivered', 3],
    ['never on 4xx (no retry)', [404], 'failed: http://h/1: HTTP 404', 1],
    ['after exhausting retries', [500, 500, 500], 'failed: http://h/1: HTTP 500', 3],
    ['timeout then success', ['hang', 200], 'delivered', 2],
  ] as const)('%s', async (_name, responses, status, calls) => {
    const f = fakeFetch([...responses]);
    const n = createWebhookNotifier({ urls: ['http://h/1'], retries: 2, backoffMs: 1, timeoutMs: 20, fetchImpl: f.impl, logger });
    expect(await n.notify({ type: 'rollout.hold' })).toBe(status);
    expect(f.calls).toHaveLength(calls);
  });

  it('signs the body when a secret is set and reports partial delivery', async () => {
    const f = fakeFetch([200, 500]);
    const n = createWebhookNotifier({ urls: ['http://h/1', 'http://h/2'], secret: 's3cret', retries: 0, fetchImpl: f.impl, logger });
    const status = await n.notify({ type: 'rollout.rollback', experiment: 'x' });
    expect(status).toMatch(/^partial 1\/2/);
    const headers = f.calls[0]!.init.headers as Record<string, string>;
    expect(headers[SIGNATURE_HEADER]).toBe(signBody('s3cret', f.calls[0]!.init.body as string));
    expect(headers['x-specs-event']).toBe('rollout.rollback');
  });

  it('no URLs: nothing sent', async () => {
    const n = createWebhookNotifier({ urls: [], logger });
    expect(await n.notify({ type: 'x' })).toBe('no-webhooks');
    await n.idle();
  });
});
