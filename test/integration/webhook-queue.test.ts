/**
 * Rollout webhooks as BullMQ jobs on a real Redis: BullMQ retries with backoff, and a
 * delivery that is waiting for its retry survives the process that queued it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import pino from 'pino';
import { DELIVERY_HEADER } from '../../server/rollout/webhook-delivery';
import { createQueuedWebhookNotifier } from '../../server/rollout/webhook-queue';
import { createTestRedis, type TestRedis } from '../support';

const logger = pino({ level: 'silent' });
let redis: TestRedis;

beforeAll(() => {
  redis = createTestRedis('webhook_queue');
});
afterAll(() => redis.cleanup());

/** A receiver answering `codes` in turn (then 204); records each delivery id. */
async function receiver(codes: number[], port = 0) {
  const deliveries: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      deliveries.push(String(req.headers[DELIVERY_HEADER]));
      res.writeHead(codes.shift() ?? 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { deliveries, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise((r) => server.close(r)) };
}

function notifier(url: string, queueName: string, statuses: Map<string, string>, backoffMs: number) {
  return createQueuedWebhookNotifier({
    urls: [url],
    retries: 3,
    backoffMs,
    timeoutMs: 2000,
    onSettled: async (id, status) => void statuses.set(id, status),
    redisUrl: redis.url,
    prefix: redis.queuePrefix,
    queueName,
    logger,
  });
}

describe('queued webhooks', () => {
  it('BullMQ retries failed attempts with backoff until delivered, with one delivery id', async () => {
    const r = await receiver([500, 503]);
    const statuses = new Map<string, string>();
    const n = notifier(r.url, redis.queueName('retries'), statuses, 20);
    try {
      await n.notify({ type: 'rollout.advance' }, '41');
      await n.idle();
      expect(statuses.get('41')).toBe('delivered');
      expect(r.deliveries).toHaveLength(3);
      expect(new Set(r.deliveries).size).toBe(1);
    } finally {
      await n.close();
      await r.close();
    }
  });

  it('gives up after the attempts and records why', async () => {
    const r = await receiver([500, 500, 500, 500, 500]);
    const statuses = new Map<string, string>();
    const n = notifier(r.url, redis.queueName('exhausted'), statuses, 10);
    try {
      await n.notify({ type: 'rollout.hold' }, '42');
      await n.idle();
      expect(statuses.get('42')).toBe(`failed: ${r.url}: HTTP 500`);
      expect(r.deliveries).toHaveLength(4);
    } finally {
      await n.close();
      await r.close();
    }
  });

  it('a delivery waiting for its retry is delivered by the next process after a restart', async () => {
    // The receiver is down for the first attempt: reserve a port, then free it.
    const probe = await receiver([]);
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const url = `http://127.0.0.1:${port}/hook`;
    const queueName = redis.queueName('restart');
    const first = new Map<string, string>();
    const a = notifier(url, queueName, first, 1500);
    const inspect = new Queue(queueName, { connection: redis.connect(), prefix: redis.queuePrefix });
    try {
      await a.notify({ type: 'rollout.rollback' }, '43');
      while ((await inspect.getJobState('decision-43')) !== 'delayed') await new Promise((res) => setTimeout(res, 20));
      await a.close(); // the process that queued it goes away

      const r = await receiver([], port);
      const second = new Map<string, string>();
      const b = notifier(url, queueName, second, 1500);
      try {
        await b.idle();
        expect(second.get('43')).toBe('delivered');
        expect(first.has('43')).toBe(false);
        expect(r.deliveries).toHaveLength(1);
      } finally {
        await b.close();
        await r.close();
      }
    } finally {
      await inspect.close();
    }
  });
});
