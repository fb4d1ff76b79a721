import { Router } from 'express';
import { z } from 'zod';
import { createExperimentSchema, experimentKeySchema, shareSchema, type ApiKeysService, type Experiment, type ExperimentsService } from '../../experiments';
import { actorOf, type RequireRole } from '../auth';
import { handle } from '../handler';

const keyParams = z.object({ key: experimentKeySchema });

/** Wire shape of an experiment. */
export const experimentJson = (e: Experiment) => ({
  key: e.key,
  name: e.name,
  description: e.description,
  status: e.status,
  specsShare: e.specsShare,
  stage: e.stage,
  bucketVersion: e.bucketVersion,
  hashSeed: e.hashSeed,
  variants: e.variants,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

export function createExperimentsRouter(deps: { experiments: ExperimentsService; apiKeys: ApiKeysService; requireRole: RequireRole }): Router {
  const { experiments, apiKeys, requireRole } = deps;
  const router = Router();
  const read = requireRole('viewer');
  const admin = requireRole('admin');

  router.get('/api/experiments', read, handle({}, async () => ({ experiments: (await experiments.list()).map(experimentJson) })));
  router.post(
    '/api/experiments',
    admin,
    handle({ body: createExperimentSchema }, async ({ body }, res) => experimentJson(await experiments.create(body, actorOf(res))), 201),
  );
  router.get('/api/experiments/:key', read, handle({ params: keyParams }, async ({ params }) => experimentJson(await experiments.get(params.key))));
  router.put(
    '/api/experiments/:key/share',
    admin,
    handle(
      { params: keyParams, body: z.object({ specsShare: shareSchema, reason: z.string().max(100).optional() }) },
      async ({ params, body }, res) => experimentJson(await experiments.setShare(params.key, body.specsShare, actorOf(res), { reason: body.reason })),
    ),
  );
  for (const action of ['pause', 'resume', 'stop'] as const) {
    router.post(
      `/api/experiments/:key/${action}`,
      admin,
      handle({ params: keyParams }, async ({ params }, res) => experimentJson(await experiments[action](params.key, actorOf(res)))),
    );
  }
  router.get(
    '/api/experiments/:key/audit',
    read,
    handle({ params: keyParams, query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) }, async ({ params, query }) => ({
      entries: (await experiments.audit(params.key, query.limit)).map((a) => ({ ...a, at: a.at.toISOString() })),
    })),
  );

  const keyJson = (k: Awaited<ReturnType<ApiKeysService['list']>>[number]) => ({
    id: k.id,
    name: k.name,
    role: k.role,
    prefix: k.prefix,
    createdBy: k.createdBy,
    createdAt: k.createdAt.toISOString(),
    revokedAt: k.revokedAt?.toISOString() ?? null,
  });
  router.get('/api/keys', admin, handle({}, async () => ({ keys: (await apiKeys.list()).map(keyJson) })));
  router.post(
    '/api/keys',
    admin,
    handle(
      { body: z.object({ name: z.string().trim().min(1).max(100), role: z.enum(['admin', 'viewer', 'service']) }) },
      async ({ body }, res) => {
        const created = await apiKeys.create(body, actorOf(res));
        // The key itself is returned once and never stored.
        return { ...keyJson(created), key: created.key };
      },
      201,
    ),
  );
  router.delete(
    '/api/keys/:id',
    admin,
    handle({ params: z.object({ id: z.uuid() }) }, async ({ params }, res) => keyJson(await apiKeys.revoke(params.id, actorOf(res)))),
  );
  return router;
}
