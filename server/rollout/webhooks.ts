import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { attemptDelivery, deliverySettings, deliveryStatus, WEBHOOK_DEFAULTS, type WebhookNotifier, type WebhookOptions } from './webhook-delivery';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Webhooks without Redis: retries with backoff in this process's memory. A restart loses
 * the deliveries still retrying (their decision keeps webhook_status 'pending'); with Redis
 * the platform uses the BullMQ notifier (webhook-queue.ts) instead, which loses none.
 */
export function createInProcessWebhookNotifier(options: WebhookOptions & { logger: Logger }): WebhookNotifier {
  const { urls, logger } = options;
  const settings = deliverySettings(options);
  const retries = options.retries ?? WEBHOOK_DEFAULTS.retries;
  const backoffMs = options.backoffMs ?? WEBHOOK_DEFAULTS.backoffMs;
  const inFlight = new Set<Promise<unknown>>();

  async function deliverOne(url: string, event: Parameters<WebhookNotifier['notify']>[0], deliveryId: string) {
    let last = { ok: false, retriable: true, detail: '' };
    for (let attempt = 0; attempt <= retries && last.retriable; attempt++) {
      if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1));
      last = await attemptDelivery(url, event, deliveryId, settings);
      if (last.ok) break;
    }
    return { url, ...last };
  }

  async function deliver(event: Parameters<WebhookNotifier['notify']>[0], decisionId: string): Promise<void> {
    const deliveryId = crypto.randomUUID();
    let status: string;
    try {
      const results = await Promise.all(urls.map((u) => deliverOne(u, event, deliveryId)));
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) logger.warn({ type: event.type, failed }, 'webhook delivery failed');
      status = deliveryStatus(urls, failed);
    } catch (err) {
      status = `failed: ${(err as Error).message}`;
    }
    await options.onSettled(decisionId, status).catch((err: unknown) => logger.warn({ err, decisionId }, 'could not record webhook status'));
  }

  return {
    async notify(event, decisionId) {
      const p = deliver(event, decisionId);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      await this.idle();
    },
  };
}
