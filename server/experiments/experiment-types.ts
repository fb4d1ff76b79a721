import { z } from 'zod';
import { STRATEGIES, type Strategy, type VariantKey } from '../vocabulary';

export type ExperimentStatus = 'draft' | 'running' | 'paused' | 'stopped' | 'completed';
export type Role = 'admin' | 'viewer' | 'service';

export const EXPERIMENT_KEY = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const experimentKeySchema = z.string().regex(EXPERIMENT_KEY, 'must match ^[a-z0-9][a-z0-9-]{1,62}$');
export const shareSchema = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

/** Strategy parameters are checked against the decoder's own options schema in the service. */
export const variantInputSchema = z.object({
  strategy: z.enum(STRATEGIES),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type VariantConfig = { readonly strategy: Strategy; readonly params: Readonly<Record<string, unknown>> };

export const DEFAULT_VARIANTS: Readonly<Record<VariantKey, VariantConfig>> = Object.freeze({
  baseline: Object.freeze({ strategy: 'beam-target', params: Object.freeze({ n: 8 }) }),
  specs: Object.freeze({ strategy: 'specs', params: Object.freeze({ n: 8 }) }),
});

export const createExperimentSchema = z.object({
  key: experimentKeySchema,
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
  specsShare: shareSchema,
  baseline: variantInputSchema.optional(),
  specs: variantInputSchema.optional(),
  status: z.enum(['draft', 'running']).default('running'),
});
export type CreateExperimentInput = z.input<typeof createExperimentSchema>;

export interface Experiment {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly status: ExperimentStatus;
  readonly specsShare: number;
  readonly hashSeed: string;
  /** Analysis stage: every share change opens a new one unless the caller (the rollout) names it. */
  readonly stage: number;
  /** When the current analysis stage began (its share_history row). */
  readonly stageStartedAt: Date;
  /** GrowthBook bucketVersion: bumped on every rollback to 0 and on stop, so sticky buckets cannot outlive them. */
  readonly bucketVersion: number;
  readonly variants: Readonly<Record<VariantKey, VariantConfig>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Who made a change, as written to audit_log. */
export interface Actor {
  readonly name: string;
  readonly role: Role;
}
export const actorLabel = (a: Actor): string => `${a.name} (${a.role})`;

export interface AuditEntry {
  readonly id: string;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly prefix: string;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}
