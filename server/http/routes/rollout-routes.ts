import { Router } from 'express';
import { z } from 'zod';
import { experimentKeySchema } from '../../experiments';
import { previewBodySchema } from '../../rollout/plan-preview';
import { rolloutPlanSchema } from '../../rollout/rollout-plan';
import type { RolloutService } from '../../rollout/rollout-service';
import { actorOf, type RequireRole } from '../auth';
import { handle, toValidationError } from '../handler';

const keyParams = z.object({ key: experimentKeySchema });
const rollbackBody = z.object({ reason: z.string().trim().min(1).max(200).optional() });

/**
 * GET  /api/experiments/:key/rollout                  plan, status, stage, share, decisions, share history (viewer)
 * GET  /api/experiments/:key/rollout/assessment       what the gate thinks now, per stage, guardrail and check (viewer)
 * POST /api/experiments/:key/rollout/preview          a plan's simulated outcomes at the observed traffic (admin)
 * PUT  /api/experiments/:key/rollout/plan             create or replace the plan (admin)
 * POST /api/experiments/:key/rollout/{start,advance,pause,resume,rollback,approve} (admin) → the rollout view
 * POST /api/experiments/:key/rollout/evaluate         run the gate now (admin) → the evaluation
 */
export function createRolloutRouter(deps: { rollout: RolloutService; auth: RequireRole }): Router {
  const { rollout, auth } = deps;
  const router = Router();
  const read = auth('viewer');
  const admin = auth('admin');
  const base = '/api/experiments/:key/rollout';

  router.get(base, read, handle({ params: keyParams }, ({ params }) => rollout.get(params.key)));
  router.get(`${base}/assessment`, read, handle({ params: keyParams }, ({ params }) => rollout.describe(params.key)));
  // Admin only: a preview is seconds of CPU, not a read.
  router.post(`${base}/preview`, admin, handle({ params: keyParams, body: previewBodySchema }, ({ params, body }) => rollout.preview(params.key, body)));
  router.put(
    `${base}/plan`,
    admin,
    handle({ params: keyParams, body: rolloutPlanSchema }, ({ params, body }, res) => rollout.putPlan(params.key, body, actorOf(res))),
  );
  for (const action of ['start', 'advance', 'pause', 'resume', 'approve'] as const) {
    router.post(`${base}/${action}`, admin, handle({ params: keyParams }, ({ params }, res) => rollout[action](params.key, actorOf(res))));
  }
  router.post(
    `${base}/rollback`,
    admin,
    // The body is optional here: an empty POST is a plain manual rollback.
    handle({ params: keyParams }, ({ params, raw }, res) => {
      const parsed = rollbackBody.safeParse(raw.body ?? {});
      if (!parsed.success) throw toValidationError(parsed.error, 'body');
      return rollout.rollback(params.key, actorOf(res), parsed.data.reason);
    }),
  );
  router.post(`${base}/evaluate`, admin, handle({ params: keyParams }, ({ params }, res) => rollout.evaluate(params.key, actorOf(res))));
  return router;
}
