import type { Pool } from 'pg';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { withConnection } from '../db/with-connection';
import type { GuardrailSettings, SuccessCriteria } from './gate-decision';
import { guardrailsSchema, successSchema, type RolloutPlanInput, type RolloutStage, type RolloutStatus } from './rollout-plan';

export interface RolloutPlanRecord {
  id: string;
  experimentId: string;
  experimentKey: string;
  stages: RolloutStage[];
  guardrails: GuardrailSettings;
  success: SuccessCriteria;
  status: RolloutStatus;
  currentStage: number;
  stageStartedAt: Date | null;
  approvedStage: number | null;
  lastEvaluatedAt: Date | null;
  updatedAt: Date;
}

export interface DecisionRecord {
  id: string;
  at: Date;
  stage: number;
  verdict: string;
  actor: string;
  reasons: unknown;
  metrics: unknown;
  webhookStatus: string | null;
}

export interface ShareHistoryRecord {
  at: Date;
  specsShare: number;
  stage: number;
  reason: string;
}

export interface PlanPatch {
  status?: RolloutStatus;
  currentStage?: number;
  stageStartedAt?: Date | null;
  approvedStage?: number | null;
}

export interface NewDecision extends Omit<DecisionRecord, 'id' | 'webhookStatus'> {
  experimentId: string;
  webhookStatus?: string | null;
}

export interface RolloutRepository {
  /**
   * Runs `fn` holding a Postgres advisory lock on the experiment key, so the share and the
   * plan change together across every API instance (a rollback cannot interleave with an
   * advance). Released when `fn` settles, or by Postgres if the connection dies.
   */
  withExperimentLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  experimentId(key: string): Promise<string | null>;
  getPlan(key: string): Promise<RolloutPlanRecord | null>;
  /** Creates the plan (status pending) or replaces its stages/guardrails/success, keeping its state. */
  savePlan(experimentId: string, plan: RolloutPlanInput): Promise<void>;
  /**
   * Compare-and-set: applies `patch` only while the plan still has the status and
   * stage the caller decided from, so two evaluators cannot both advance a stage.
   */
  updatePlan(id: string, expected: { status: RolloutStatus; currentStage: number }, patch: PlanPatch): Promise<boolean>;
  runningKeys(): Promise<string[]>;
  /** The gate's heartbeat: this plan was evaluated at `at`. */
  markEvaluated(id: string, at: Date): Promise<void>;
  insertDecision(d: NewDecision): Promise<DecisionRecord>;
  setWebhookStatus(decisionId: string, status: string): Promise<void>;
  decisions(experimentId: string, limit: number): Promise<DecisionRecord[]>;
  shareHistory(experimentId: string, limit: number): Promise<ShareHistoryRecord[]>;
}

const planInclude = { experiment: { select: { key: true } } } satisfies Prisma.RolloutPlanInclude;
type PlanRow = Prisma.RolloutPlanGetPayload<{ include: typeof planInclude }>;

function toPlan(row: PlanRow): RolloutPlanRecord {
  return {
    id: row.id,
    experimentId: row.experimentId,
    experimentKey: row.experiment.key,
    stages: row.stages as unknown as RolloutStage[],
    // Plans saved before a guardrail existed get its default (the schema's), not undefined.
    guardrails: guardrailsSchema.parse(row.guardrails),
    success: successSchema.parse(row.success),
    status: row.status,
    currentStage: row.currentStage,
    stageStartedAt: row.stageStartedAt,
    approvedStage: row.approvedStage,
    lastEvaluatedAt: row.lastEvaluatedAt,
    updatedAt: row.updatedAt,
  };
}

type DecisionRow = Prisma.RolloutDecisionGetPayload<object>;

const toDecision = (r: DecisionRow): DecisionRecord => ({
  id: r.id.toString(),
  at: r.at,
  stage: r.stage,
  verdict: r.verdict,
  actor: r.actor,
  reasons: r.reasons,
  metrics: r.metrics,
  webhookStatus: r.webhookStatus,
});

const json = (v: unknown) => v as Prisma.InputJsonValue;

/**
 * Rollout plans and decisions through the Prisma client (control-plane tables, see
 * CONTRIBUTING's persistence rule); the advisory lock through `pg`, because it is held on
 * one connection for the length of `fn`.
 */
export function createRolloutRepository({ prisma, pool }: { prisma: PrismaClient; pool: Pool }): RolloutRepository {
  return {
    withExperimentLock: (key, fn) =>
      withConnection(pool, async (client, markBroken) => {
        await client.query(`SELECT pg_advisory_lock(hashtextextended('rollout:' || $1, 0))`, [key]);
        try {
          return await fn();
        } finally {
          // A connection that lost its unlock is closed (markBroken), which releases the lock for sure.
          await client.query(`SELECT pg_advisory_unlock(hashtextextended('rollout:' || $1, 0))`, [key]).catch(markBroken);
        }
      }),

    async experimentId(key) {
      const e = await prisma.experiment.findUnique({ where: { key }, select: { id: true } });
      return e?.id ?? null;
    },

    async getPlan(key) {
      const row = await prisma.rolloutPlan.findFirst({ where: { experiment: { key } }, include: planInclude });
      return row ? toPlan(row) : null;
    },

    async savePlan(experimentId, plan) {
      const fields = { stages: json(plan.stages), guardrails: json(plan.guardrails), success: json(plan.success) };
      await prisma.rolloutPlan.upsert({ where: { experimentId }, create: { experimentId, ...fields }, update: fields });
    },

    async updatePlan(id, expected, patch) {
      const r = await prisma.rolloutPlan.updateMany({ where: { id, status: expected.status, currentStage: expected.currentStage }, data: patch });
      return r.count === 1;
    },

    async markEvaluated(id, at) {
      await prisma.rolloutPlan.update({ where: { id }, data: { lastEvaluatedAt: at } });
    },

    async runningKeys() {
      const rows = await prisma.rolloutPlan.findMany({ where: { status: 'running' }, select: { experiment: { select: { key: true } } } });
      return rows.map((r) => r.experiment.key).sort();
    },

    async insertDecision(d) {
      const row = await prisma.rolloutDecision.create({
        data: {
          experimentId: d.experimentId,
          at: d.at,
          stage: d.stage,
          verdict: d.verdict,
          actor: d.actor,
          reasons: json(d.reasons),
          metrics: json(d.metrics),
          webhookStatus: d.webhookStatus ?? null,
        },
      });
      return toDecision(row);
    },

    async setWebhookStatus(decisionId, status) {
      await prisma.rolloutDecision.update({ where: { id: BigInt(decisionId) }, data: { webhookStatus: status } });
    },

    async decisions(experimentId, limit) {
      const rows = await prisma.rolloutDecision.findMany({ where: { experimentId }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: limit });
      return rows.map(toDecision);
    },

    async shareHistory(experimentId, limit) {
      return prisma.shareHistory.findMany({
        where: { experimentId },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: limit,
        select: { at: true, specsShare: true, stage: true, reason: true },
      });
    },
  };
}
