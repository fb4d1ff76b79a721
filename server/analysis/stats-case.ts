/**
 * Edge schema for the `npm run stats` CLI: one case or an array of cases in,
 * the same shape of results out. Validation errors name the offending field.
 */
import { z } from 'zod';
import { compareMeans, compareProportions, DEFAULT_ALPHA, DEFAULT_SEQUENTIAL_TUNING } from './stats';

const armSchema = z
  .object({
    n: z.number().int().nonnegative(),
    sum: z.number(),
    sumSquares: z.number().optional(),
  })
  .strict();

export const statsCaseSchema = z
  .object({
    metric: z.enum(['mean', 'proportion']).default('mean'),
    difference: z.enum(['relative', 'absolute']).default('relative'),
    alpha: z.number().gt(0).lt(1).default(DEFAULT_ALPHA),
    sequential: z
      .object({ tuning: z.number().positive().default(DEFAULT_SEQUENTIAL_TUNING) })
      .strict()
      .optional(),
    control: armSchema,
    treatment: armSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const arm of ['control', 'treatment'] as const) {
      if (c.metric === 'mean' && c[arm].sumSquares === undefined) {
        ctx.addIssue({ code: 'custom', path: [arm, 'sumSquares'], message: 'required for metric "mean"' });
      }
      const { n, sum, sumSquares } = c[arm];
      if (c.metric === 'proportion') {
        if (!Number.isInteger(sum) || sum < 0) ctx.addIssue({ code: 'custom', path: [arm, 'sum'], message: 'successes must be a whole number ≥ 0' });
        else if (sum > n) ctx.addIssue({ code: 'custom', path: [arm, 'sum'], message: 'successes cannot exceed n' });
      }
      // Σx² ≥ (Σx)²/n holds for any real data (Cauchy–Schwarz); less means the sums do not belong together.
      if (c.metric === 'mean' && sumSquares !== undefined && n > 0 && sumSquares < (sum * sum) / n - 1e-9 * Math.max(1, Math.abs(sumSquares))) {
        ctx.addIssue({ code: 'custom', path: [arm, 'sumSquares'], message: `must be at least sum²/n = ${(sum * sum) / n} (no data has a negative variance)` });
      }
    }
  });

export type StatsCase = z.infer<typeof statsCaseSchema>;

export interface StatsCaseResult {
  effect: number;
  ci: [number, number];
  stddev: number;
  pValue: number;
  insufficient?: true;
  reason?: string;
}

export function runStatsCase(c: StatsCase): StatsCaseResult {
  const opts = { difference: c.difference, alpha: c.alpha, sequential: c.sequential };
  const r =
    c.metric === 'proportion'
      ? compareProportions(c.control, c.treatment, opts)
      : compareMeans({ ...c.control, sumSquares: c.control.sumSquares ?? 0 }, { ...c.treatment, sumSquares: c.treatment.sumSquares ?? 0 }, opts);
  const out: StatsCaseResult = { effect: r.effect, ci: r.ci, stddev: r.stddev, pValue: r.pValue };
  if (r.insufficient) {
    out.insufficient = true;
    if (r.reason) out.reason = r.reason;
  }
  return out;
}

export type ParseOutcome = { ok: true; value: StatsCaseResult | StatsCaseResult[] } | { ok: false; errors: string[] };

/** Validates and evaluates parsed JSON; an array in gives an array out. */
export function evaluateStatsInput(input: unknown): ParseOutcome {
  // Validate each element separately so messages carry the element index, not a union mismatch.
  const items = Array.isArray(input) ? input : [input];
  if (items.length === 0) return { ok: false, errors: ['(root): expected at least one case'] };
  const errors: string[] = [];
  const cases: StatsCase[] = [];
  items.forEach((item, i) => {
    const parsed = statsCaseSchema.safeParse(item);
    if (parsed.success) cases.push(parsed.data);
    else
      for (const issue of parsed.error.issues) {
        const path = [...(Array.isArray(input) ? [i] : []), ...issue.path].join('.');
        errors.push(`${path || '(root)'}: ${issue.message}`);
      }
  });
  if (errors.length > 0) return { ok: false, errors };
  const results = cases.map(runStatsCase);
  return { ok: true, value: Array.isArray(input) ? results : results[0]! };
}
