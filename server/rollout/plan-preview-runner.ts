/**
 * Plan preview, the driver: reads the observed traffic, runs the three cases of
 * plan-preview.ts through the simulator one run at a time, and yields to the event loop
 * between runs, so a preview on the API process never stalls the solve path. Previews run
 * one after another (a few waiting at most) and stop at a time budget with the runs done.
 */
import type { KpiService } from '../analysis/kpi-service';
import { createRng } from '../analysis/stats';
import { UnavailableError } from '../errors';
import { observeTraffic, previewResult, previewScenarios, type PlanPreview, type PreviewBody } from './plan-preview';
import { defaultPlan, type RolloutPlanInput } from './rollout-plan';
import { simulateRollout, summarize, type RunResult, type Scenario } from './rollout-simulator';

export interface InsufficientPreview {
  experiment: string;
  insufficient: true;
  reason: string;
}

export interface PlanPreviewer {
  preview(key: string, body: PreviewBody): Promise<PlanPreview | InsufficientPreview>;
}

export interface PlanPreviewerDeps {
  kpi: Pick<KpiService, 'results' | 'stageData'>;
  /** The saved plan (null: none), used when the request names no plan. */
  savedPlan: (key: string) => Promise<RolloutPlanInput | null>;
  /** How often the live gate evaluates; the simulation looks at least this coarsely. */
  gateIntervalMs: number;
  clock: () => number;
  /** Wall-clock budget per preview; the answer reports how many runs fit. */
  budgetMs?: number;
  /** Previews allowed to wait behind the running one before a 503. */
  maxWaiting?: number;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createPlanPreviewer(deps: PlanPreviewerDeps): PlanPreviewer {
  const budgetMs = deps.budgetMs ?? 2500;
  const maxWaiting = deps.maxWaiting ?? 8;
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;

  async function simulate(cases: Scenario[], runs: number, seed: number): Promise<RunResult[][]> {
    // One generator per case, so each case's runs do not depend on how far the others got.
    const rngs = cases.map((_, i) => createRng((seed + i * 0x9e3779b9) >>> 0));
    const out: RunResult[][] = cases.map(() => []);
    const started = deps.clock();
    for (let r = 0; r < runs; r++) {
      for (const [i, scenario] of cases.entries()) {
        out[i]!.push(...simulateRollout(scenario, { runs: 1, seed, rng: rngs[i]!, defaultPlan }).runs);
      }
      if (deps.clock() - started > budgetMs) break;
      await nextTick();
    }
    return out;
  }

  async function run(key: string, body: PreviewBody): Promise<PlanPreview | InsufficientPreview> {
    const plan = body.plan ?? (await deps.savedPlan(key)) ?? defaultPlan();
    const [results, current] = await Promise.all([deps.kpi.results(key, { stage: 'all' }), deps.kpi.stageData(key)]);
    const observed = observeTraffic(results, current);
    const s = previewScenarios(observed, plan, { ratePerMinute: body.ratePerMinute, gateIntervalMs: deps.gateIntervalMs });
    if ('insufficient' in s) return { experiment: key, insufficient: true, reason: s.reason };
    const cases = [s.asObserved, s.aa, s.regression];
    const [asObserved, aa, regression] = (await simulate(cases, body.runs, body.seed)).map((runs, i) => summarize(cases[i]!, plan, runs, body.seed));
    return previewResult(key, s, { asObserved: asObserved!, aa: aa!, regression: regression! }, { seed: body.seed, requestedRuns: body.runs, gateIntervalMs: deps.gateIntervalMs, windowMinutes: observed.windowMinutes });
  }

  return {
    preview(key, body) {
      if (waiting >= maxWaiting) return Promise.reject(new UnavailableError('plan previews are busy; retry shortly', 2));
      waiting += 1;
      const p = tail.then(() => run(key, body)).finally(() => {
        waiting -= 1;
      });
      tail = p.catch(() => undefined);
      return p;
    },
  };
}
