import { Router } from 'express';
import { z } from 'zod';
import type { KpiService, ResultsOptions } from '../../analysis/kpi-service';
import { experimentKeySchema } from '../../experiments';
import type { RequireRole } from '../auth';
import { handle } from '../handler';

const keyParams = z.object({ key: experimentKeySchema });

const stageSchema = z
  .union([z.literal('all'), z.string().regex(/^\d{1,6}$/, 'must be a stage number or "all"')])
  .transform((s) => (s === 'all' ? ('all' as const) : Number(s)));

const dateSchema = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const boolSchema = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const resultsQuery = z
  .object({
    stage: stageSchema.optional(),
    alpha: z.coerce.number().gt(0, 'must be in (0, 0.5)').lt(0.5, 'must be in (0, 0.5)').optional(),
    sequential: boolSchema.optional(),
    adjust: z.enum(['holm', 'bh']).optional(),
    difference: z.enum(['default', 'absolute', 'relative']).optional(),
    granularity: z.enum(['minute', 'hour', 'day']).optional(),
    from: dateSchema.optional(),
    to: dateSchema.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'must be after from', path: ['to'] });

const toOptions = (q: z.output<typeof resultsQuery>): ResultsOptions => ({ ...q });

/**
 * GET /api/experiments/:key/results    the results contract (per-variant KPIs, comparisons, SRM, timeseries, histogram)
 * GET /api/experiments/:key/timeseries the timeseries alone
 * Both viewer-readable.
 */
export function createResultsRouter(deps: { kpi: KpiService; auth: RequireRole }): Router {
  const { kpi, auth } = deps;
  const router = Router();
  const read = auth('viewer');
  router.get(
    '/api/experiments/:key/results',
    read,
    handle({ params: keyParams, query: resultsQuery }, ({ params, query }) => kpi.results(params.key, toOptions(query))),
  );
  router.get(
    '/api/experiments/:key/timeseries',
    read,
    handle({ params: keyParams, query: resultsQuery }, ({ params, query }) => kpi.timeseries(params.key, toOptions(query))),
  );
  return router;
}
