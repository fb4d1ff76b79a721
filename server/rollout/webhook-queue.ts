import crypto from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { createProducerRedis, createRedis } from '../queue/redis';
import {
  attemptDelivery,
  deliverySettings,
  deliveryStatus,
  WEBHOOK_DEFAULTS,
  type WebhookEvent,
  type WebhookNotifier,
  type WebhookOptions,
} from './webhook-delivery';

export const WEBHOOK_QUEUE = 'rollout-webhooks';

interface WebhookJob {
  event: WebhookEvent;
  decisionId: string;
  deliveryId: string;
  /** The URLs at the time of the decision: a config change does not redirect old notifications. */
  urls: string[];
  /** URLs that answered for good (delivered, or refused with a 4xx), so a retry skips them. */
  settled: Record<string, { ok: boolean; detail: string }>;
}

/**
 * Webhooks as BullMQ jobs: one job per decision, retried by BullMQ with exponential backoff
 * (`attempts`, `backoff`), so deliveries survive a restart of any process. Each attempt posts
 * only to the URLs that have not answered for good; the last attempt writes the status.
 * Every process that runs the rollout module also runs a worker for this queue.
 */
export function createQueuedWebhookNotifier(
  options: WebhookOptions & { redisUrl: string; prefix: string; queueName?: string; logger: Logger },
): WebhookNotifier {
  const { logger } = options;
  const name = options.queueName ?? WEBHOOK_QUEUE;
  const settings = deliverySettings(options);
  const attempts = (options.retries ?? WEBHOOK_DEFAULTS.retries) + 1;
  const producer = createProducerRedis(options.redisUrl);
  producer.on('error', (err) => logger.debug({ err: err.message }, 'webhook queue connection error'));
  const queue = new Queue<WebhookJob>(name, {
    connection: producer,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts,
      backoff: { type: 'exponential', delay: options.backoffMs ?? WEBHOOK_DEFAULTS.backoffMs },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    },
  });
  const settle = (decisionId: string, status: string) =>
    options.onSettled(decisionId, status).catch((err: unknown) => logger.warn({ err, decisionId }, 'could not record webhook status'));

  async function process(job: Job<WebhookJob>): Promise<string> {
    const { event, deliveryId, urls } = job.data;
    const settled = { ...job.data.settled };
    const open = urls.filter((u) => !settled[u]);
    const results = await Promise.all(open.map(async (url) => ({ url, ...(await attemptDelivery(url, event, deliveryId, settings)) })));
    for (const r of results) if (r.ok || !r.retriable) settled[r.url] = { ok: r.ok, detail: r.detail };
    const retry = results.filter((r) => !r.ok && r.retriable);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (retry.length > 0 && !lastAttempt) {
      await job.updateData({ ...job.data, settled });
      throw new Error(retry.map((r) => `${r.url}: ${r.detail}`).join('; '));
    }
    const failed = [
      ...Object.entries(settled).filter(([, s]) => !s.ok).map(([url, s]) => ({ url, detail: s.detail })),
      ...retry.map((r) => ({ url: r.url, detail: r.detail })),
    ];
    if (failed.length > 0) logger.warn({ type: event.type, failed }, 'webhook delivery failed');
    const status = deliveryStatus(urls, failed);
    await settle(job.data.decisionId, status);
    return status;
  }

  const workerConnection = createRedis(options.redisUrl);
  const worker = new Worker<WebhookJob>(name, process, { connection: workerConnection, prefix: options.prefix, concurrency: 4 });
  worker.on('error', (err) => logger.warn({ err: err.message }, 'webhook worker error'));

  return {
    async notify(event, decisionId) {
      if (options.urls.length === 0) return void (await settle(decisionId, deliveryStatus([], [])));
      try {
        const data: WebhookJob = { event, decisionId, deliveryId: crypto.randomUUID(), urls: [...options.urls], settled: {} };
        // jobId = decision: a decision is notified once even if notify is called twice.
        await queue.add(event.type, data, { jobId: `decision-${decisionId}` });
      } catch (err) {
        await settle(decisionId, `failed: not queued (${(err as Error).message})`);
      }
    },
    async idle() {
      for (;;) {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        if (Object.values(c).every((n) => n === 0)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await worker.close();
      await queue.close();
      // BullMQ leaves connections it was given open.
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}
