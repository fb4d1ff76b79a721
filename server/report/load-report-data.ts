import { NotFoundError } from '../errors';
import type { KpiService, StageSelector } from '../analysis/kpi-service';
import type { RolloutService } from '../rollout/rollout-service';
import type { ReportRepository } from './report-repository';
import type { ReportData } from './report-types';

export interface LoadReportDeps {
  kpi: Pick<KpiService, 'results'>;
  rollout: Pick<RolloutService, 'assess'>;
  repo: ReportRepository;
  clock: () => number;
}

/** Gathers the report's data: KPI results from the KPI service, rollout history from the repository. */
export async function loadReportData(deps: LoadReportDeps, key: string, stage: StageSelector = 'all'): Promise<ReportData> {
  const experiment = await deps.repo.experiment(key);
  if (!experiment) throw new NotFoundError(`experiment ${key}`, 'experiment');
  const [results, rollout, assessment] = await Promise.all([deps.kpi.results(key, { stage }), deps.repo.rollout(experiment.id), deps.rollout.assess(key)]);
  const { verdict, summary, reasons, checks, planStage, analysisStage, share } = assessment;
  const { id: _id, ...exp } = experiment;
  return {
    generatedAt: new Date(deps.clock()).toISOString(),
    experiment: exp,
    results: {
      stage: results.stage,
      variants: results.variants,
      comparisons: results.comparisons,
      srm: results.srm,
      latencyHistogram: results.latencyHistogram,
    },
    rollout,
    gate: { verdict, summary, reasons, checks, planStage, analysisStage, share },
  };
}
