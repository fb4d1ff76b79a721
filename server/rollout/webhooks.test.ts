import pino from 'pino';
import { SIGNATURE_HEADER, signBody } from './webhook-delivery';
import { createInProcessWebhookNotifier } from './webhooks';

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

function notifier(urls: string[], f: ReturnType<typeof fakeFetch>, o: { retries?: number; secret?: string } = {}) {
  const statuses = new Map<string, string>();
  const n = createInProcessWebhookNotifier({
    urls,
    retries: o.retries ?? 2,
    secret: o.secret,
    backoffMs: 1,
    timeoutMs: 20,
    fetchImpl: f.impl,
    onSettled: async (id, status) => void statuses.set(id, status),
    logger,
  });
  return { n, statuses };
}

describe('in-process webhooks', () => {
  it.each([
    ['first try', [200], 'delivered', 1],
    ['after a 500 and a network error', [500, 'throw', 204], 'delivered', 3],
    ['never on 4xx (no retry)', [404], 'failed: http://h/1: HTTP 404', 1],
    ['429 is retried', [429, 200], 'delivered', 2],
    ['after exhausting retries', [500, 500, 500], 'failed: http://h/1: HTTP 500', 3],
    ['timeout then success', ['hang', 200], 'delivered', 2],
  ] as const)('%s', async (_name, responses, status, calls) => {
    const f = fakeFetch([...responses]);
    const { n, statuses } = notifier(['http://h/1'], f);
    await n.notify({ type: 'rollout.hold' }, 'd1');
    await n.idle();
    expect(statuses.get('d1')).toBe(status);
    expect(f.calls).toHaveLength(calls);
  });

  it('signs the body when a secret is set and reports partial delivery', async () => {
    const f = fakeFetch([200, 500]);
    const { n, statuses } = notifier(['http://h/1', 'http://h/2'], f, { retries: 0, secret: 's3cret' });
    await n.notify({ type: 'rollout.rollback', experiment: 'x' }, 'd2');
    await n.idle();
    expect(statuses.get('d2')).toMatch(/^partial 1\/2/);
    const headers = f.calls[0]!.init.headers as Record<string, string>;
    expect(headers[SIGNATURE_HEADER]).toBe(signBody('s3cret', f.calls[0]!.init.body as string));
    expect(headers['x-specs-event']).toBe('rollout.rollback');
  });

  it('no URLs: nothing sent, status no-webhooks', async () => {
    const f = fakeFetch([]);
    const { n, statuses } = notifier([], f);
    await n.notify({ type: 'x' }, 'd3');
    await n.idle();
    expect(statuses.get('d3')).toBe('no-webhooks');
    expect(f.calls).toHaveLength(0);
  });
});
