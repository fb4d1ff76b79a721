import crypto from 'node:crypto';
import type { Logger } from 'pino';

/**
 * Rollout notifications: POST JSON to every configured URL, with a per-attempt
 * timeout and retries with backoff. `notify` never throws and is not awaited on
 * the decision path: the caller records the returned status when it settles.
 */
export interface WebhookNotifier {
  /** Resolves to a summary status ('delivered', 'failed …', 'partial …', 'no-webhooks'); never rejects. */
  notify(event: WebhookEvent): Promise<string>;
  /** Resolves when every delivery started so far has settled (tests, graceful shutdown). */
  idle(): Promise<void>;
}

export interface WebhookEvent {
  type: string;
  [field: string]: unknown;
}

export interface WebhookOptions {
  urls: readonly string[];
  /** When set, `X-Specs-Signature: sha256=<hex HMAC of the body>` is sent. */
  secret?: string;
  timeoutMs?: number;
  /** Retries after the first attempt. */
  retries?: number;
  backoffMs?: number;
  fetchImpl?: typeof fetch;
  logger: Logger;
}

export const SIGNATURE_HEADER = 'x-specs-signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createWebhookNotifier(options: WebhookOptions): WebhookNotifier {
  const { urls, secret, logger } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const doFetch = options.fetchImpl ?? fetch;
  const inFlight = new Set<Promise<unknown>>();

  async function deliverOne(url: string, body: string, deliveryId: string, type: string): Promise<{ ok: boolean; detail: string }> {
    let last = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1));
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-specs-event': type, 'x-specs-delivery': deliveryId };
        if (secret) headers[SIGNATURE_HEADER] = signBody(secret, body);
        const res = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
        // Drain the body so the socket is released.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return { ok: true, detail: `HTTP ${res.status}` };
        last = `HTTP ${res.status}`;
        // Client errors other than 408/429 will not improve on retry.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (err) {
        last = (err as Error).name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (err as Error).message;
      }
    }
    return { ok: false, detail: last };
  }

  async function deliver(event: WebhookEvent): Promise<string> {
    if (urls.length === 0) return 'no-webhooks';
    const body = JSON.stringify(event);
    const deliveryId = crypto.randomUUID();
    const results = await Promise.all(urls.map((u) => deliverOne(u, body, deliveryId, event.type)));
    const failed = results.map((r, i) => ({ ...r, url: urls[i]! })).filter((r) => !r.ok);
    if (failed.length > 0) logger.warn({ type: event.type, failed }, 'webhook delivery failed');
    if (failed.length === 0) return 'delivered';
    const detail = failed.map((f) => `${f.url}: ${f.detail}`).join('; ');
    return (failed.length === urls.length ? `failed: ${detail}` : `partial ${urls.length - failed.length}/${urls.length}: ${detail}`).slice(0, 500);
  }

  return {
    notify(event) {
      const p = deliver(event).catch((err: unknown) => `failed: ${(err as Error).message}`);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return p;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
