import type { Logger } from 'pino';
import type { Clock } from '../vocabulary';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Actor, Experiment, ExperimentsService } from '../experiments';
import type { KpiService } from '../analysis/kpi-service';
import { decideGate, type GateReason } from './gate-decision';
import { gateInput, metricsSnapshot } from './gate-inputs';
import { explainDecision } from './gate-explain';
import type { PreviewBody } from './plan-preview';
import { createPlanPreviewer } from './plan-preview-runner';
import { describeAssessment, type AssessmentJson } from './rollout-assessment';
import { createKeyedLock } from './keyed-lock';
import { defaultPlan, type RolloutStatus } from './rollout-plan';
import type { DecisionRecord, NewDecision, PlanPatch, RolloutPlanRecord, RolloutRepository, ShareHistoryRecord } from './rollout-repository';
import type { WebhookNotifier } from './webhook-delivery';
import type { Assessment, DecisionJson, EvaluationResult, RolloutService, RolloutView } from './rollout-types';

export type { Assessment, DecisionJson, EvaluationResult, RolloutService, RolloutView, Verdict } from './rollout-types';

export interface RolloutServiceDeps {
  repo: RolloutRepository;
  experiments: Pick<ExperimentsService, 'get' | 'setShare' | 'resume'>;
  kpi: Pick<KpiService, 'stageData' | 'results'>;
  webhooks: WebhookNotifier;
  clock: Clock;
  logger: Logger;
  /** The gate's evaluation interval (config), so a plan preview looks no more often than the gate. */
  gateIntervalMs?: number;
}

export const GATE_ACTOR: Actor = Object.freeze({ name: 'rollout-gate', role: 'service' as const });
const label = (a: Actor) => `${a.name} (${a.role})`;

const decisionJson = (d: DecisionRecord): DecisionJson => ({ ...d, at: d.at.toISOString() });

export function createRolloutService(deps: RolloutServiceDeps): RolloutService {
  const { repo, experiments, kpi, webhooks, clock, logger } = deps;
  const pending = new Set<Promise<unknown>>();
  // Per experiment: an in-process queue (cheap, no connection per waiter) around a Postgres
  // advisory lock (across API instances), so a rollback never interleaves with an advance.
  const keyed = createKeyedLock();
  const withLock = <T>(key: string, fn: () => Promise<T>): Promise<T> => keyed(key, () => repo.withExperimentLock(key, fn));

  const now = () => new Date(clock());

  async function experimentOrThrow(key: string): Promise<Experiment> {
    return experiments.get(key, 'params.key');
  }

  async function planOrThrow(key: string): Promise<RolloutPlanRecord> {
    const plan = await repo.getPlan(key);
    if (!plan) {
      await experimentOrThrow(key);
      throw new NotFoundError(`rollout plan for experiment ${key}`, 'params.key');
    }
    return plan;
  }

  const requireStatus = (plan: RolloutPlanRecord, allowed: RolloutStatus[], action: string) => {
    if (!allowed.includes(plan.status)) {
      throw new ConflictError(`cannot ${action} the rollout of ${plan.experimentKey}: it is ${plan.status}`, 'params.key');
    }
  };

  const casOrConflict = async (plan: RolloutPlanRecord, patch: PlanPatch) => {
    const ok = await repo.updatePlan(plan.id, { status: plan.status, currentStage: plan.currentStage }, patch);
    if (!ok) throw new ConflictError(`the rollout of ${plan.experimentKey} changed concurrently; retry`, 'params.key');
  };

  /** Records the decision and sends its webhook without waiting for delivery. */
  async function record(
    plan: Pick<RolloutPlanRecord, 'experimentId' | 'experimentKey'>,
    d: Pick<NewDecision, 'stage' | 'verdict' | 'actor' | 'reasons' | 'metrics'>,
    notify: boolean,
  ): Promise<DecisionRecord> {
    const decision = await repo.insertDecision({
      experimentId: plan.experimentId,
      at: now(),
      ...d,
      webhookStatus: notify ? 'pending' : 'skipped: unchanged hold',
    });
    if (notify) {
      // Not awaited: the decision stands whatever the receivers do; the notifier writes the status.
      const p = webhooks.notify(
        {
          type: `rollout.${d.verdict}`,
          experiment: plan.experimentKey,
          decisionId: decision.id,
          at: decision.at.toISOString(),
          stage: d.stage,
          verdict: d.verdict,
          actor: d.actor,
          reasons: d.reasons,
          metrics: d.metrics,
        },
        decision.id,
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    return decision;
  }

  async function view(key: string): Promise<RolloutView> {
    const e = await experimentOrThrow(key);
    const plan = await repo.getPlan(key);
    const [decisions, shares] = await Promise.all([repo.decisions(e.id, 50), repo.shareHistory(e.id, 100)]);
    const shareJson = (s: ShareHistoryRecord) => ({ at: s.at.toISOString(), specsShare: s.specsShare, stage: s.stage, reason: s.reason });
    return {
      experiment: e.key,
      status: plan?.status ?? 'none',
      plan: plan ? { stages: plan.stages, guardrails: plan.guardrails, success: plan.success } : null,
      defaultPlan: defaultPlan(),
      currentStage: plan?.currentStage ?? null,
      stageCount: plan?.stages.length ?? null,
      currentShare: e.specsShare,
      analysisStage: e.stage,
      experimentStatus: e.status,
      stageStartedAt: plan?.stageStartedAt?.toISOString() ?? null,
      approvedStage: plan?.approvedStage ?? null,
      lastEvaluatedAt: plan?.lastEvaluatedAt?.toISOString() ?? null,
      lastDecision: decisions[0] ? decisionJson(decisions[0]) : null,
      decisions: decisions.map(decisionJson),
      shareHistory: shares.map(shareJson),
    };
  }

  /**
   * Moves to plan stage `next`: a fresh analysis stage is named explicitly so the
   * new split is never pooled with earlier data, even when the share is unchanged.
   */
  async function moveTo(plan: RolloutPlanRecord, e: Experiment, next: number, actor: Actor, reason: string) {
    const last = plan.stages.length - 1;
    const stage = plan.stages[next]!;
    await casOrConflict(plan, { currentStage: next, stageStartedAt: now(), status: next >= last ? 'completed' : 'running', approvedStage: null });
    try {
      return await experiments.setShare(plan.experimentKey, stage.share, actor, { stage: e.stage + 1, reason });
    } catch (err) {
      // Undo the claim so the plan does not claim a share that was never set.
      await repo.updatePlan(
        plan.id,
        { status: next >= last ? 'completed' : 'running', currentStage: next },
        { currentStage: plan.currentStage, stageStartedAt: plan.stageStartedAt, status: plan.status, approvedStage: plan.approvedStage },
      );
      throw err;
    }
  }

  async function rollbackNow(plan: RolloutPlanRecord, actor: Actor, reason: string) {
    // Share first: stopping SPECS traffic matters more than the plan's bookkeeping.
    await experiments.setShare(plan.experimentKey, 0, actor, { reason: `rollback: ${reason}`.slice(0, 100) });
    const ok = await repo.updatePlan(plan.id, { status: plan.status, currentStage: plan.currentStage }, { status: 'rolled_back' });
    if (!ok) logger.warn({ experiment: plan.experimentKey }, 'rollout changed during rollback; share is 0 regardless');
  }

  /** What the gate would decide now for the experiment's current stage; no side effects. */
  async function assess(key: string): Promise<Assessment> {
    const e = await experimentOrThrow(key);
    const plan = await repo.getPlan(key);
    const planInput = plan ?? defaultPlan();
    const active = plan !== null && (plan.status === 'running' || plan.status === 'paused');
    // Without an active rollout the analysis stage is judged against the plan's first gated stage.
    const stageIdx = active ? plan.currentStage : 0;
    if (!planInput.stages[stageIdx]) throw new ConflictError(`rollout of ${key} is at stage ${stageIdx}, beyond its ${planInput.stages.length} stages`, 'params.key');
    const data = await kpi.stageData(key, e.stage);
    const startedAt = active && plan.stageStartedAt ? plan.stageStartedAt : e.stageStartedAt;
    const decision = decideGate(gateInput(data, planInput, stageIdx, { startedAt, now: clock(), approved: active && plan.approvedStage === stageIdx }));
    return {
      experiment: key,
      status: plan?.status ?? 'none',
      planStage: stageIdx,
      analysisStage: e.stage,
      share: e.specsShare,
      stageStartedAt: startedAt.toISOString(),
      ...decision,
      summary: explainDecision(decision, { share: e.specsShare }),
      data,
    };
  }

  async function evaluateLocked(key: string, actor: Actor): Promise<EvaluationResult> {
    const plan = await planOrThrow(key);
    requireStatus(plan, ['running'], 'evaluate');
    const e = await experimentOrThrow(key);
    const stageIdx = plan.currentStage;
    const { data, ...gate } = await assess(key);
    await repo.markEvaluated(plan.id, now());
    const metrics = metricsSnapshot(data, { share: e.specsShare, checks: gate.checks });
    let status: RolloutStatus = plan.status;
    let currentStage = stageIdx;
    let share = e.specsShare;
    if (gate.verdict === 'advance') {
      const next = stageIdx + 1;
      const after = await moveTo(plan, e, next, actor, `rollout: gate advanced to stage ${next}`);
      currentStage = next;
      status = next >= plan.stages.length - 1 ? 'completed' : 'running';
      share = after.specsShare;
    } else if (gate.verdict === 'rollback') {
      await rollbackNow(plan, actor, gate.reasons.map((r) => r.metric ?? r.code).join(', '));
      status = 'rolled_back';
      share = 0;
    }
    // The log keeps one row per change of verdict: a hold with the same reasons as the last row is not news.
    const [prev] = await repo.decisions(plan.experimentId, 1);
    const codes = (r: unknown) => JSON.stringify(Array.isArray(r) ? r.map((x: { code?: string; metric?: string }) => `${x.code}:${x.metric ?? ''}`) : r);
    const unchanged = gate.verdict === 'hold' && prev !== undefined && prev.verdict === 'hold' && prev.stage === stageIdx && codes(prev.reasons) === codes(gate.reasons);
    const decision = unchanged
      ? prev
      : await record(plan, { stage: stageIdx, verdict: gate.verdict, actor: label(actor), reasons: gate.reasons, metrics: { ...metrics, summary: gate.summary } }, true);
    logger.info({ experiment: key, stage: stageIdx, verdict: gate.verdict, reasons: gate.reasons.map((r) => r.code) }, 'rollout gate evaluated');
    return { experiment: key, verdict: gate.verdict, reasons: gate.reasons, checks: gate.checks, decision: decisionJson(decision), currentStage, status, share };
  }

  const manual = (key: string, fn: () => Promise<void>) => withLock(key, fn).then(() => view(key));

  const previewer = createPlanPreviewer({
    kpi,
    clock,
    gateIntervalMs: deps.gateIntervalMs ?? 60_000,
    savedPlan: async (key) => {
      await experimentOrThrow(key);
      const p = await repo.getPlan(key);
      return p && { stages: p.stages, guardrails: p.guardrails, success: p.success };
    },
  });

  async function describe(key: string): Promise<AssessmentJson> {
    const [{ data: _data, ...a }, v] = await Promise.all([assess(key), view(key)]);
    const back = v.decisions.find((d) => d.verdict === 'rollback' || d.verdict === 'manual-rollback');
    return describeAssessment({
      ...a,
      plan: v.plan ?? v.defaultPlan,
      currentStage: v.currentStage,
      now: clock(),
      lastRollback: back ? { at: back.at, reasons: Array.isArray(back.reasons) ? (back.reasons as GateReason[]) : [] } : null,
    });
  }

  return {
    get: view,
    assess,
    describe,
    preview: (key: string, body: PreviewBody) => previewer.preview(key, body),

    putPlan(key, body, actor) {
      return manual(key, async () => {
        const e = await experimentOrThrow(key);
        const existing = await repo.getPlan(key);
        if (existing && (existing.status === 'running' || existing.status === 'paused') && existing.currentStage >= body.stages.length - 1) {
          throw new ValidationError(`body.stages: the rollout is at stage ${existing.currentStage}; the new plan must have more stages`, 'body.stages');
        }
        await repo.savePlan(e.id, body);
        const plan = (await repo.getPlan(key))!;
        await record(plan, { stage: plan.currentStage, verdict: 'plan', actor: label(actor), reasons: [{ code: 'PLAN_SAVED', message: 'plan saved' }], metrics: body }, false);
      });
    },

    start(key, actor) {
      return manual(key, async () => {
        const e = await experimentOrThrow(key);
        let plan = await repo.getPlan(key);
        if (!plan) {
          await repo.savePlan(e.id, defaultPlan());
          plan = (await repo.getPlan(key))!;
        }
        requireStatus(plan, ['pending', 'rolled_back', 'completed'], 'start');
        if (e.status === 'stopped' || e.status === 'completed') throw new ConflictError(`experiment ${key} is ${e.status}`, 'params.key');
        const first = plan.stages[0]!;
        await casOrConflict(plan, { status: 'running', currentStage: 0, stageStartedAt: now(), approvedStage: null });
        await experiments.setShare(key, first.share, actor, { stage: e.stage + 1, reason: 'rollout: start stage 0' });
        if (e.status !== 'running') await experiments.resume(key, actor);
        await record(plan, { stage: 0, verdict: 'start', actor: label(actor), reasons: [{ code: 'MANUAL', message: `started at ${first.share}` }], metrics: { share: first.share } }, true);
      });
    },

    advance(key, actor) {
      return manual(key, async () => {
        const plan = await planOrThrow(key);
        requireStatus(plan, ['running', 'paused'], 'advance');
        const e = await experimentOrThrow(key);
        const next = plan.currentStage + 1;
        if (next >= plan.stages.length) throw new ConflictError(`rollout of ${key} is already at its last stage`, 'params.key');
        await moveTo(plan, e, next, actor, `rollout: manual advance to stage ${next}`);
        await record(plan, { stage: plan.currentStage, verdict: 'manual-advance', actor: label(actor), reasons: [{ code: 'MANUAL', message: `advanced to stage ${next}` }], metrics: { share: plan.stages[next]!.share } }, true);
      });
    },

    pause(key, actor) {
      return manual(key, async () => {
        const plan = await planOrThrow(key);
        requireStatus(plan, ['running'], 'pause');
        await casOrConflict(plan, { status: 'paused' });
        await record(plan, { stage: plan.currentStage, verdict: 'pause', actor: label(actor), reasons: [{ code: 'MANUAL', message: 'gate paused' }], metrics: {} }, true);
      });
    },

    resume(key, actor) {
      return manual(key, async () => {
        const plan = await planOrThrow(key);
        requireStatus(plan, ['paused'], 'resume');
        await casOrConflict(plan, { status: 'running' });
        await record(plan, { stage: plan.currentStage, verdict: 'resume', actor: label(actor), reasons: [{ code: 'MANUAL', message: 'gate resumed' }], metrics: {} }, true);
      });
    },

    rollback(key, actor, reason = 'manual rollback') {
      return manual(key, async () => {
        const e = await experimentOrThrow(key);
        const plan = await repo.getPlan(key);
        if (plan && ['running', 'paused', 'completed'].includes(plan.status)) {
          await rollbackNow(plan, actor, reason);
          await record(plan, { stage: plan.currentStage, verdict: 'manual-rollback', actor: label(actor), reasons: [{ code: 'MANUAL', message: reason }], metrics: { share: 0 } }, true);
          return;
        }
        // Roll back is possible whenever SPECS has traffic, also when a share was set by hand
        // outside a rollout (PUT share); the plan, if any, keeps its state.
        if (!(e.specsShare > 0)) throw new ConflictError(`SPECS has no traffic in ${key}: nothing to roll back`, 'params.key');
        await experiments.setShare(key, 0, actor, { reason: `rollback: ${reason}`.slice(0, 100) });
        await record({ experimentId: e.id, experimentKey: key }, { stage: plan?.currentStage ?? 0, verdict: 'manual-rollback', actor: label(actor), reasons: [{ code: 'MANUAL', message: reason }], metrics: { share: 0, previousShare: e.specsShare } }, true);
      });
    },

    approve(key, actor) {
      return manual(key, async () => {
        const plan = await planOrThrow(key);
        requireStatus(plan, ['running', 'paused'], 'approve');
        await casOrConflict(plan, { approvedStage: plan.currentStage });
        await record(plan, { stage: plan.currentStage, verdict: 'approve', actor: label(actor), reasons: [{ code: 'MANUAL', message: `stage ${plan.currentStage} approved` }], metrics: {} }, true);
      });
    },

    evaluate(key, actor = GATE_ACTOR) {
      return withLock(key, () => evaluateLocked(key, actor));
    },

    async evaluateAll(actor = GATE_ACTOR) {
      const evaluated: EvaluationResult[] = [];
      const failed: { experiment: string; error: string }[] = [];
      for (const key of await repo.runningKeys()) {
        try {
          evaluated.push(await withLock(key, () => evaluateLocked(key, actor)));
        } catch (err) {
          // A plan paused or finished between listing and evaluating is not a failure.
          if (err instanceof ConflictError) continue;
          logger.error({ err, experiment: key }, 'rollout evaluation failed');
          failed.push({ experiment: key, error: (err as Error).message });
        }
      }
      return { evaluated, failed };
    },

    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await webhooks.idle();
    },
  };
}
