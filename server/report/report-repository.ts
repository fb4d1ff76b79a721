import type { Pool } from 'pg';
import type { ReportData, ReportRollout } from './report-types';

/** Read-only SQL for the report: the experiment, its rollout plan, decisions and share history. */
export interface ReportRepository {
  experiment(key: string): Promise<(ReportData['experiment'] & { id: string }) | null>;
  rollout(experimentId: string): Promise<ReportRollout | null>;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
const asArray = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);
const asObject = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {});

function reasons(x: unknown): { code: string; message: string }[] {
  return asArray<unknown>(x).map((r) =>
    typeof r === 'string' ? { code: '', message: r } : { code: String(asObject(r).code ?? ''), message: String(asObject(r).message ?? '') });
}

export function createReportRepository({ pool }: { pool: Pool }): ReportRepository {
  return {
    async experiment(key) {
      const { rows } = await pool.query(`SELECT id, key, name, status::text AS status, specs_share FROM experiment WHERE key = $1`, [key]);
      const e = rows[0];
      return e ? { id: e.id, key: e.key, name: e.name, status: e.status, specsShare: Number(e.specs_share) } : null;
    },
    async rollout(experimentId) {
      const [plan, decisions, shares] = await Promise.all([
        pool.query(`SELECT stages, guardrails, status::text AS status, current_stage, stage_started_at FROM rollout_plan WHERE experiment_id = $1`, [experimentId]),
        pool.query(`SELECT at, stage, verdict, actor, reasons FROM rollout_decision WHERE experiment_id = $1 ORDER BY at, id`, [experimentId]),
        pool.query(`SELECT at, specs_share, stage, reason FROM share_history WHERE experiment_id = $1 ORDER BY at, id`, [experimentId]),
      ]);
      const p = plan.rows[0];
      if (!p && !decisions.rows.length && !shares.rows.length) return null;
      const g = asObject(p?.guardrails);
      const num = (k: string) => (typeof g[k] === 'number' ? (g[k] as number) : undefined);
      const guardrails = Object.fromEntries(
        (['p95LatencyMaxIncreasePct', 'accuracyNonInferiorityPts', 'costMaxIncreasePct'] as const).map((k) => [k, num(k)]).filter(([, v]) => v !== undefined),
      );
      return {
        status: p?.status ?? 'none',
        currentStage: p?.current_stage ?? 0,
        stageStartedAt: iso(p?.stage_started_at ?? null),
        stages: asArray<Record<string, unknown>>(p?.stages).map((s) => ({ ...s, share: Number(asObject(s).share ?? 0) })),
        guardrails,
        decisions: decisions.rows.map((d) => ({ at: iso(d.at)!, stage: d.stage, verdict: d.verdict, actor: d.actor, reasons: reasons(d.reasons) })),
        shareHistory: shares.rows.map((s) => ({ at: iso(s.at)!, share: Number(s.specs_share), stage: s.stage, reason: s.reason })),
      };
    },
  };
}
