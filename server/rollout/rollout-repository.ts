import type { Pool } from 'pg';
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
  savePlan(experimentId: string, plan: RolloutPlanInput, now: Date): Promise<void>;
  /**
   * Compare-and-set: applies `patch` only while the plan still has the status and
   * stage the caller decided from, so two evaluators cannot both advance a stage.
   */
  updatePlan(id: string, expected: { status: RolloutStatus; currentStage: number }, patch: PlanPatch, now: Date): Promise<boolean>;
  runningKeys(): Promise<string[]>;
  /** The gate's heartbeat: this plan was evaluated at `at`. */
  markEvaluated(id: string, at: Date): Promise<void>;
  insertDecision(d: NewDecision): Promise<DecisionRecord>;
  setWebhookStatus(decisionId: string, status: string): Promise<void>;
  decisions(experimentId: string, limit: number): Promise<DecisionRecord[]>;
  shareHistory(experimentId: string, limit: number): Promise<ShareHistoryRecord[]>;
}

const PLAN_COLUMNS = `p.id::text AS id, p.experiment_id::text AS "experimentId", e.key AS "experimentKey", p.stages, p.guardrails, p.success,
  p.status::text AS status, p.current_stage AS "currentStage", p.stage_started_at AS "stageStartedAt",
  p.approved_stage AS "approvedStage", p.last_evaluated_at AS "lastEvaluatedAt", p.updated_at AS "updatedAt"`;

const DECISION_COLUMNS = `id::text AS id, at, stage, verdict, actor, reasons, metrics, webhook_status AS "webhookStatus"`;

export function createRolloutRepository({ pool }: { pool: Pool }): RolloutRepository {
  return {
    async withExperimentLock(key, fn) {
      const client = await pool.connect();
      let broken = false;
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query(`SELECT pg_advisory_lock(hashtextextended('rollout:' || $1, 0))`, [key]);
        try {
          return await fn();
        } finally {
          await client.query(`SELECT pg_advisory_unlock(hashtextextended('rollout:' || $1, 0))`, [key]).catch(() => {
            broken = true;
          });
        }
      } finally {
        client.removeListener('error', onError);
        // A connection that lost its unlock is closed, which releases the lock for sure.
        client.release(broken ? true : undefined);
      }
    },

    async experimentId(key) {
      const r = await pool.query<{ id: string }>(`SELECT id::text AS id FROM experiment WHERE key = $1`, [key]);
      return r.rows[0]?.id ?? null;
    },

    async getPlan(key) {
      const r = await pool.query<RolloutPlanRecord>(
        `SELECT ${PLAN_COLUMNS} FROM rollout_plan p JOIN experiment e ON e.id = p.experiment_id WHERE e.key = $1`,
        [key],
      );
      const row = r.rows[0];
      // Plans saved before a guardrail existed get its default (the schema's), not undefined.
      return row ? { ...row, guardrails: guardrailsSchema.parse(row.guardrails), success: successSchema.parse(row.success) } : null;
    },

    async savePlan(experimentId, plan, now) {
      // rollout_plan.id and updated_at have no database defaults (Prisma fills them client-side).
      await pool.query(
        `INSERT INTO rollout_plan (id, experiment_id, stages, guardrails, success, status, current_stage, updated_at)
         VALUES (gen_random_uuid(), $1::uuid, $2::jsonb, $3::jsonb, $4::jsonb, 'pending', 0, $5)
         ON CONFLICT (experiment_id) DO UPDATE
           SET stages = EXCLUDED.stages, guardrails = EXCLUDED.guardrails, success = EXCLUDED.success, updated_at = EXCLUDED.updated_at`,
        [experimentId, JSON.stringify(plan.stages), JSON.stringify(plan.guardrails), JSON.stringify(plan.success), now],
      );
    },

    async updatePlan(id, expected, patch, now) {
      const sets: string[] = ['updated_at = $4'];
      const values: unknown[] = [id, expected.status, expected.currentStage, now];
      const add = (column: string, value: unknown, cast = '') => {
        values.push(value);
        sets.push(`${column} = $${values.length}${cast}`);
      };
      if (patch.status !== undefined) add('status', patch.status, '::"RolloutStatus"');
      if (patch.currentStage !== undefined) add('current_stage', patch.currentStage);
      if (patch.stageStartedAt !== undefined) add('stage_started_at', patch.stageStartedAt);
      if (patch.approvedStage !== undefined) add('approved_stage', patch.approvedStage);
      const r = await pool.query(
        `UPDATE rollout_plan SET ${sets.join(', ')} WHERE id = $1::uuid AND status = $2::"RolloutStatus" AND current_stage = $3`,
        values,
      );
      return (r.rowCount ?? 0) === 1;
    },

    async markEvaluated(id, at) {
      await pool.query(`UPDATE rollout_plan SET last_evaluated_at = $2 WHERE id = $1::uuid`, [id, at]);
    },

    async runningKeys() {
      const r = await pool.query<{ key: string }>(
        `SELECT e.key FROM rollout_plan p JOIN experiment e ON e.id = p.experiment_id WHERE p.status = 'running' ORDER BY e.key`,
      );
      return r.rows.map((x) => x.key);
    },

    async insertDecision(d) {
      const r = await pool.query<DecisionRecord>(
        `INSERT INTO rollout_decision (experiment_id, at, stage, verdict, actor, reasons, metrics, webhook_status)
         VALUES ($1::uuid, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8) RETURNING ${DECISION_COLUMNS}`,
        [d.experimentId, d.at, d.stage, d.verdict, d.actor, JSON.stringify(d.reasons), JSON.stringify(d.metrics), d.webhookStatus ?? null],
      );
      return r.rows[0]!;
    },

    async setWebhookStatus(decisionId, status) {
      await pool.query(`UPDATE rollout_decision SET webhook_status = $2 WHERE id = $1::bigint`, [decisionId, status]);
    },

    async decisions(experimentId, limit) {
      const r = await pool.query<DecisionRecord>(
        `SELECT ${DECISION_COLUMNS} FROM rollout_decision WHERE experiment_id = $1::uuid ORDER BY at DESC, id DESC LIMIT $2`,
        [experimentId, limit],
      );
      return r.rows;
    },

    async shareHistory(experimentId, limit) {
      const r = await pool.query<ShareHistoryRecord>(
        `SELECT at, specs_share AS "specsShare", stage, reason FROM share_history WHERE experiment_id = $1::uuid ORDER BY at DESC, id DESC LIMIT $2`,
        [experimentId, limit],
      );
      return r.rows;
    },
  };
}
