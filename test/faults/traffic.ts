/** Steady solve traffic with unique units; every answer is recorded with its status and time. */
import { randomUUID } from 'node:crypto';

export interface Answer {
  requestId: string | null;
  status: number;
  ms: number;
  at: number;
}

export interface Traffic {
  answers: Answer[];
  stop(): Promise<void>;
}

export function startTraffic(o: { apiUrls: () => string[]; key: string; experiment: string; ratePerSecond: number; timeoutMs: number }): Traffic {
  const answers: Answer[] = [];
  const inFlight = new Set<Promise<void>>();
  let i = 0;
  const fire = () => {
    const urls = o.apiUrls();
    const url = urls[i % urls.length]!;
    i += 1;
    const a = 1 + (i % 50);
    const b = 1 + ((i * 7) % 50);
    const started = Date.now();
    const p = fetch(`${url}/v1/solve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: `${a}+${b}`, reference: a + b, unitId: `fault-${randomUUID()}`, experiment: o.experiment }),
      signal: AbortSignal.timeout(o.timeoutMs),
    })
      .then(async (res) => {
        const body = (await res.json().catch(() => ({}))) as { requestId?: string };
        answers.push({ requestId: body.requestId ?? res.headers.get('x-request-id'), status: res.status, ms: Date.now() - started, at: started });
      })
      .catch((err: Error) => {
        // 0: no HTTP answer (connection refused or reset, or a client-side timeout = a hang).
        answers.push({ requestId: null, status: err.name === 'TimeoutError' ? -1 : 0, ms: Date.now() - started, at: started });
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const timer = setInterval(fire, 1000 / o.ratePerSecond);
  return {
    answers,
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}
