import type { AppContext } from '../../server/app/create-app-context';
import { createAppContext } from '../../server/app/create-app-context';
import type { Actor } from '../../server/experiments';
import { testAppConfig, type TestDatabase } from '../support';
import { listRoutes, type RouteEntry } from '../support/routes';
import { createFakeDecoder } from '../support/stand-in-decoders';

export const FUZZ_KEYS = { admin: 'fuzz-admin-key-0123', service: 'fuzz-service-key-0123', viewer: 'fuzz-viewer-key-0123' };

/** The real API on a test schema, an experiment to aim at, and a database-issued key too. */
export async function startFuzzTarget(db: TestDatabase): Promise<{ ctx: AppContext; baseUrl: string; routes: RouteEntry[]; keys: Record<string, string> }> {
  const config = testAppConfig({ db, env: { ADMIN_API_KEY: FUZZ_KEYS.admin, SERVICE_API_KEY: FUZZ_KEYS.service, VIEWER_API_KEY: FUZZ_KEYS.viewer, SOLVE_TIMEOUT_MS: '5000', LOG_FLUSH_INTERVAL_MS: '50' } });
  const ctx = await createAppContext(config, { role: 'api', migrate: false, decoder: createFakeDecoder() });
  const admin: Actor = { name: 'fuzz', role: 'admin' };
  await ctx.experiments.create({ key: 'fuzz-exp', specsShare: 0.5, status: 'running' }, admin);
  const issued = await ctx.apiKeys.create({ name: 'fuzz-issued', role: 'service' }, admin);
  const { url } = await ctx.listen(0, '127.0.0.1');
  return { ctx, baseUrl: url, routes: listRoutes(ctx.app!), keys: { ...FUZZ_KEYS, issued: issued.key } };
}
