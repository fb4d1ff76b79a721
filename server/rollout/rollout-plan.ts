import { z } from 'zod';
import type { GuardrailSettings, StageSettings, SuccessCriteria } from './gate-decision';

/** A rollout stage: the SPECS share it runs at and what it takes to leave it. */
export interface RolloutStage extends StageSettings {
  share: number;
}

export interface RolloutPlanInput {
  stages: RolloutStage[];
  guardrails: GuardrailSettings;
  success: SuccessCriteria;
}

export type RolloutStatus = 'pending' | 'running' | 'paused' | 'rolled_back' | 'completed';

const HOUR = 3_600_000;

/** 1 % → 5 % → 25 % → 50 % → 100 % (ship). The last stage has no gate: reaching it completes the rollout. */
export const DEFAULT_STAGES: readonly RolloutStage[] = Object.freeze(
  [0.01, 0.05, 0.25, 0.5, 1].map((share) =>
    Object.freeze({ share, minDurationMs: share < 1 ? HOUR : 0, minGradedPerArm: share < 1 ? 200 : 0, requiresApproval: false }),
  ),
);

export const DEFAULT_GUARDRAILS: Readonly<GuardrailSettings> = Object.freeze({
  p95LatencyMaxIncreasePct: 10,
  accuracyNonInferiorityPts: 2,
  costMaxIncreasePct: 10,
  errorRateMaxIncreasePts: 0.5,
  alpha: 0.05,
});

/** Guardrails alone decide unless success metrics are named. */
export const DEFAULT_SUCCESS: Readonly<SuccessCriteria> = Object.freeze({ metrics: [], require: 'all' });

export const defaultPlan = (): RolloutPlanInput => ({
  stages: DEFAULT_STAGES.map((s) => ({ ...s })),
  guardrails: { ...DEFAULT_GUARDRAILS },
  success: { metrics: [...DEFAULT_SUCCESS.metrics], require: DEFAULT_SUCCESS.require },
});

/**
 * The quickstart's plan (`npm start`): 25 % → 50 % → 100 %, seconds and a few dozen graded
 * answers per stage instead of an hour and 200, and guardrails loose enough for that little data
 * to decide, so a newcomer sees the gate hold and advance within a few minutes (at the demo's
 * 4 requests/s the rollout simulator ships it in about 2 minutes). A demonstration only: at these
 * sample sizes the gate catches nothing but large regressions.
 */
export const demoPlan = (): RolloutPlanInput => ({
  stages: [
    { share: 0.25, minDurationMs: 20_000, minGradedPerArm: 20, requiresApproval: false },
    { share: 0.5, minDurationMs: 20_000, minGradedPerArm: 20, requiresApproval: false },
    { share: 1, minDurationMs: 0, minGradedPerArm: 0, requiresApproval: false },
  ],
  guardrails: { ...DEFAULT_GUARDRAILS, accuracyNonInferiorityPts: 20, p95LatencyMaxIncreasePct: 50, costMaxIncreasePct: 50, errorRateMaxIncreasePts: 5 },
  success: { metrics: [], require: 'all' },
});

const stageSchema = z.object({
  share: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]'),
  minDurationMs: z.number().int().min(0).max(90 * 24 * HOUR).default(HOUR),
  minGradedPerArm: z.number().int().min(0).max(100_000_000).default(200),
  requiresApproval: z.boolean().default(false),
});

export const guardrailsSchema = z.object({
  p95LatencyMaxIncreasePct: z.number().min(0).max(1000).default(DEFAULT_GUARDRAILS.p95LatencyMaxIncreasePct),
  accuracyNonInferiorityPts: z.number().min(0).max(100).default(DEFAULT_GUARDRAILS.accuracyNonInferiorityPts),
  costMaxIncreasePct: z.number().min(0).max(1000).default(DEFAULT_GUARDRAILS.costMaxIncreasePct),
  errorRateMaxIncreasePts: z.number().min(0).max(100).default(DEFAULT_GUARDRAILS.errorRateMaxIncreasePts),
  alpha: z.number().gt(0, 'must be in (0, 0.5)').lt(0.5, 'must be in (0, 0.5)').default(DEFAULT_GUARDRAILS.alpha),
  sequentialTuning: z.number().int().positive().optional(),
});

export const successSchema = z.object({
  metrics: z.array(z.enum(['latencyMean', 'p95Latency', 'cost'])).max(3).default([]),
  require: z.enum(['all', 'any']).default('all'),
});

/** PUT body: every part optional, missing parts take the defaults. */
export const rolloutPlanSchema = z
  .object({
    stages: z
      .array(stageSchema)
      .min(2, 'needs at least one gated stage and the final 100 % stage')
      .max(20)
      .optional(),
    guardrails: guardrailsSchema.optional(),
    success: successSchema.optional(),
  })
  .superRefine((p, ctx) => {
    // Runs even when .min(2) already failed: an empty list must stay a 400, not a crash.
    if (!p.stages || p.stages.length < 2) return;
    for (let i = 1; i < p.stages.length; i++) {
      if (!(p.stages[i]!.share > p.stages[i - 1]!.share)) {
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'share'], message: 'shares must increase stage by stage' });
        return;
      }
    }
    if (p.stages[p.stages.length - 1]!.share !== 1) {
      ctx.addIssue({ code: 'custom', path: ['stages', p.stages.length - 1, 'share'], message: 'the last stage must be 1 (ship)' });
    }
  })
  .transform(
    (p): RolloutPlanInput => ({
      stages: p.stages ?? defaultPlan().stages,
      guardrails: p.guardrails ?? { ...DEFAULT_GUARDRAILS },
      success: p.success ?? { metrics: [], require: 'all' },
    }),
  );
