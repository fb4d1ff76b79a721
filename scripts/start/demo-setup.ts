/**
 * The quickstart's demo experiment and its rollout, through the real services. Whatever state an
 * earlier run or a person left behind, the demo ends up running with its rollout going, and each
 * step that was taken is said in a line (`notes`), never done silently:
 *   - no demo yet: create `demo` and start its rollout on the demo plan;
 *   - demo stopped or completed (terminal, kept for the record): a new `demo-N` takes over;
 *   - demo paused (or a draft): resumed;
 *   - rollout rolled back or shipped: started again from its first stage;
 *   - rollout running: continued; paused: left paused (a person paused it) and said so.
 */
import type { Actor, Experiment, ExperimentsService } from '../../server/experiments';
import { demoPlan, type RolloutPlanInput } from '../../server/rollout/rollout-plan';
import type { RolloutService, RolloutView } from '../../server/rollout/rollout-service';

export const DEMO_KEY = 'demo';
const DEMO_KEY_PATTERN = /^demo(?:-(\d+))?$/;

export interface DemoSetup {
  key: string;
  notes: string[];
  view: RolloutView;
}

export interface DemoDeps {
  experiments: Pick<ExperimentsService, 'list' | 'create' | 'resume'>;
  rollout: Pick<RolloutService, 'get' | 'putPlan' | 'start'>;
  actor: Actor;
}

const pct = (share: number) => `${+(100 * share).toFixed(2)} %`;
const seconds = (ms: number) => (ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${Math.round(ms / 1000)} s`);

/** The plan in one line: stages, what each needs, the guardrails. */
export function describePlan(plan: RolloutPlanInput): string {
  const gated = plan.stages.slice(0, -1);
  const g = plan.guardrails;
  const needs = [...new Set(gated.map((s) => `≥ ${seconds(s.minDurationMs)} and ≥ ${s.minGradedPerArm} graded answers per arm${s.requiresApproval ? ', approval' : ''}`))].join(' / ');
  return (
    `${plan.stages.map((s) => pct(s.share)).join(' → ')} SPECS; each stage ${needs}; ` +
    `guardrails: accuracy −${g.accuracyNonInferiorityPts} pts, p95 latency +${g.p95LatencyMaxIncreasePct} %, cost +${g.costMaxIncreasePct} %, errors +${g.errorRateMaxIncreasePts} pts`
  );
}

const demoNumber = (key: string) => Number(DEMO_KEY_PATTERN.exec(key)?.[1] ?? 1);

/** The most recent demo experiment (demo, demo-2, …), if any. */
export function latestDemo(list: readonly Experiment[]): Experiment | undefined {
  return list.filter((e) => DEMO_KEY_PATTERN.test(e.key)).sort((a, b) => demoNumber(a.key) - demoNumber(b.key)).at(-1);
}

async function createDemo(deps: DemoDeps, key: string): Promise<void> {
  await deps.experiments.create(
    { key, name: 'Demo: SPECS vs beam search', description: 'Created by npm start: the quickstart demo, rolled out on the demo plan (seconds per stage).', specsShare: 0 },
    deps.actor,
  );
}

async function startRollout(deps: DemoDeps, key: string, savePlan: boolean): Promise<RolloutView> {
  if (savePlan) await deps.rollout.putPlan(key, demoPlan(), deps.actor);
  return deps.rollout.start(key, deps.actor);
}

const lastReason = (view: RolloutView): string => {
  const d = view.decisions.find((x) => x.verdict === 'rollback' || x.verdict === 'manual-rollback');
  const reasons = Array.isArray(d?.reasons) ? (d.reasons as { message?: string }[]).map((r) => r.message).filter(Boolean) : [];
  return d ? `${d.actor}: ${reasons.join('; ') || d.verdict}` : 'reason not recorded';
};

export async function prepareDemo(deps: DemoDeps, options: { fresh?: boolean } = {}): Promise<DemoSetup> {
  const notes: string[] = [];
  const latest = latestDemo(await deps.experiments.list());
  let key: string;
  if (!latest) {
    key = DEMO_KEY;
    await createDemo(deps, key);
    notes.push(`created experiment "${key}" (baseline: beam search, n = 8; SPECS, n = 8)`);
  } else if (options.fresh || latest.status === 'stopped' || latest.status === 'completed') {
    key = `demo-${demoNumber(latest.key) + 1}`;
    await createDemo(deps, key);
    notes.push(
      options.fresh
        ? `created a fresh demo experiment "${key}" (--new-demo); "${latest.key}" keeps its history`
        : `experiment "${latest.key}" is ${latest.status}, and a ${latest.status} experiment stays that way for the record; created "${key}" for this run`,
    );
  } else {
    key = latest.key;
    if (latest.status === 'paused' || latest.status === 'draft') {
      await deps.experiments.resume(key, deps.actor);
      notes.push(`experiment "${key}" was ${latest.status}; resumed it so the demo traffic is served`);
    }
  }

  let view = await deps.rollout.get(key);
  switch (view.status) {
    case 'none':
      view = await startRollout(deps, key, true);
      notes.push(`started the rollout of "${key}" on the DEMO plan: ${describePlan(view.plan!)}`);
      break;
    case 'pending':
      view = await startRollout(deps, key, false);
      notes.push(`started the rollout of "${key}" on its saved plan: ${describePlan(view.plan!)}`);
      break;
    case 'rolled_back':
      notes.push(`the rollout of "${key}" was rolled back earlier (${lastReason(view)}); starting it again from its first stage`);
      view = await startRollout(deps, key, false);
      break;
    case 'completed':
      notes.push(`the rollout of "${key}" shipped SPECS to 100 % earlier; starting it again from its first stage`);
      view = await startRollout(deps, key, false);
      break;
    case 'running':
      notes.push(`the rollout of "${key}" is running at stage ${view.currentStage! + 1} of ${view.stageCount} (${pct(view.currentShare)} SPECS); continuing it`);
      break;
    case 'paused':
      notes.push(`the rollout of "${key}" is paused at ${pct(view.currentShare)} SPECS, so the gate does not act; press Resume in the console to let it (traffic is served meanwhile)`);
      break;
  }
  const slow = view.plan?.stages.slice(0, -1).some((s) => s.minDurationMs > 10 * 60_000);
  if (slow) notes.push(`its plan keeps each stage at least ${seconds(Math.max(...view.plan!.stages.map((s) => s.minDurationMs)))}, so the gate will hold through the demo; npm start -- --new-demo starts a fresh demo on the demo plan`);
  return { key, notes, view };
}
