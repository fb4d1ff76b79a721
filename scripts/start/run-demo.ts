/**
 * The demo itself: the demo experiment's rollout (demo-setup.ts) under live traffic through the
 * real API, each decision of the gate printed as the decision log records it, until the rollout
 * ships or rolls back, the request budget is spent, or the person stops it.
 */
import type { Logger } from '../../server/observability/logger';
import type { RolloutView } from '../../server/rollout/rollout-service';
import { runTraffic, type Problem, type TrafficReport } from '../traffic-runner';
import { decisionLine, newDecisions, rolloutState } from './demo-output';
import { prepareDemo, type DemoDeps, type DemoSetup } from './demo-setup';
import type { Terminal } from './terminal';

export interface RunDemoDeps extends Omit<DemoDeps, 'rollout'> {
  rollout: DemoDeps['rollout'] & { get(key: string): Promise<RolloutView> };
  term: Terminal;
  logger: Logger;
  url: string;
  serviceKey: string;
  problems: readonly Problem[];
  /** Called once the demo experiment is known, before traffic (the banner names it). */
  onReady(setup: DemoSetup): void;
  /** True once the person asked to stop (Ctrl-C). */
  stopped(): boolean;
}

export interface DemoOptions {
  rps: number;
  requests: number;
  maxInFlight: number;
  fresh: boolean;
}

export async function runDemo(deps: RunDemoDeps, options: DemoOptions): Promise<{ key: string; report: TrafficReport; view: RolloutView }> {
  const { term, rollout } = deps;
  // Decisions from this run on (the setup's own "start" included), not the history of earlier runs.
  const since = Date.now() - 1000;
  const setup = await prepareDemo(deps, { fresh: options.fresh });
  deps.onReady(setup);

  const seen = new Set<string>();
  let view = setup.view;
  let finished = false;
  const counts = { sent: 0, answered: 0, failed: 0 };
  const watch = async () => {
    view = await rollout.get(setup.key);
    for (const d of newDecisions(view, since, seen)) term.say(decisionLine(d, view));
    if (view.status === 'completed' || view.status === 'rolled_back' || view.experimentStatus !== 'running') finished = true;
  };
  await watch();
  const timer = setInterval(() => {
    // Once the person stopped, the pools are closing: reading would only log a failure.
    if (deps.stopped()) return;
    watch().catch((err: unknown) => deps.logger.warn({ err }, 'could not read the demo rollout'));
    term.progress(`  ${counts.sent} sent · ${counts.answered} answered · ${counts.failed} failed · rollout ${rolloutState(view)}`);
  }, 1000);
  try {
    const report = await runTraffic({
      url: deps.url,
      key: deps.serviceKey,
      rps: options.rps,
      durationS: options.requests / options.rps + 1,
      maxRequests: options.requests,
      maxInFlight: options.maxInFlight,
      problems: deps.problems,
      experiment: setup.key,
      shouldStop: () => deps.stopped() || finished,
      onProgress: (p) => {
        counts.sent = p.sent;
        counts.answered = p.completed;
        counts.failed = p.failed;
      },
    });
    if (!deps.stopped()) await watch();
    return { key: setup.key, report, view };
  } finally {
    clearInterval(timer);
  }
}
