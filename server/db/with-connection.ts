import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` on one pooled connection. A connection that fails while checked out emits 'error'
 * on its client (unheard, that would crash the process) and may be unusable afterwards, so it
 * is destroyed instead of returned to the pool; `fn` can also mark it broken itself.
 */
export async function withConnection<T>(pool: Pool, fn: (client: PoolClient, markBroken: () => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const markBroken = () => {
    broken = true;
  };
  client.on('error', markBroken);
  try {
    return await fn(client, markBroken);
  } finally {
    client.removeListener('error', markBroken);
    client.release(broken ? true : undefined);
  }
}
