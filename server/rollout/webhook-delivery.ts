import crypto from 'node:crypto';

/** A rollout notification, POSTed as JSON to every configured URL. */
export interface WebhookEvent {
  type: string;
  [field: string]: unknown;
}

export const SIGNATURE_HEADER = 'x-specs-signature';
/** One id per decision's delivery, the same on every retry: delivery is at least once, so receivers dedupe on it. */
export const DELIVERY_HEADER = 'x-specs-delivery';

export function signBody(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface DeliverySettings {
  /** When set, `X-Specs-Signature: sha256=<hex HMAC of the body>` is sent. */
  secret?: string;
  timeoutMs: number;
  fetchImpl: typeof fetch;
}

export interface AttemptResult {
  ok: boolean;
  /** False for answers that will not improve on a retry (4xx other than 408/429). */
  retriable: boolean;
  detail: string;
}

/** One POST of one delivery to one URL: the unit both the in-process notifier and the queue retry. */
export async function attemptDelivery(url: string, event: WebhookEvent, deliveryId: string, s: DeliverySettings): Promise<AttemptResult> {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-specs-event': event.type, [DELIVERY_HEADER]: deliveryId };
  if (s.secret) headers[SIGNATURE_HEADER] = signBody(s.secret, body);
  try {
    const res = await s.fetchImpl(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(s.timeoutMs) });
    // Drain the body so the socket is released.
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { ok: true, retriable: false, detail: `HTTP ${res.status}` };
    const retriable = !(res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429);
    return { ok: false, retriable, detail: `HTTP ${res.status}` };
  } catch (err) {
    const detail = (err as Error).name === 'TimeoutError' ? `timeout after ${s.timeoutMs} ms` : (err as Error).message;
    return { ok: false, retriable: true, detail };
  }
}

/** The status written to rollout_decision.webhook_status once every URL has settled. */
export function deliveryStatus(urls: readonly string[], failed: { url: string; detail: string }[]): string {
  if (urls.length === 0) return 'no-webhooks';
  if (failed.length === 0) return 'delivered';
  const detail = failed.map((f) => `${f.url}: ${f.detail}`).join('; ');
  return (failed.length === urls.length ? `failed: ${detail}` : `partial ${urls.length - failed.length}/${urls.length}: ${detail}`).slice(0, 500);
}

/**
 * Sends rollout notifications and reports each decision's final delivery status through
 * `onSettled`. `notify` never rejects and never waits for delivery.
 */
export interface WebhookNotifier {
  notify(event: WebhookEvent, decisionId: string): Promise<void>;
  /** Resolves when every delivery this process started has settled (tests, graceful shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface WebhookOptions {
  urls: readonly string[];
  secret?: string;
  timeoutMs?: number;
  /** Retries after the first attempt. */
  retries?: number;
  /** Delay before the first retry; doubles for each further one. */
  backoffMs?: number;
  fetchImpl?: typeof fetch;
  onSettled: (decisionId: string, status: string) => Promise<void>;
}

export const WEBHOOK_DEFAULTS = Object.freeze({ timeoutMs: 5000, retries: 3, backoffMs: 500 });

export function deliverySettings(o: WebhookOptions): DeliverySettings {
  return { secret: o.secret, timeoutMs: o.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs, fetchImpl: o.fetchImpl ?? fetch };
}
