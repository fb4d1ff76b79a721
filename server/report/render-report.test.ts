import type { Comparison, VariantKpis } from '../analysis/kpi-service';
import { recommend } from './recommendation';
import { mdText, rebinHistogram, renderReport } from './render-report';
import type { GateCheck } from '../rollout/gate-decision';
import type { ReportData, ReportDecision, ReportGate } from './report-types';

const kpis = (o: Partial<VariantKpis> = {}): VariantKpis => ({
  n: 1000, errors: 3, timeouts: 0, graded: 900, correct: 720, accuracy: 0.8, accuracyCi: [0.773, 0.825],
  latency: { mean: 200, p50: 190, p95: 320, p99: 400 }, costPerRequest: 0.0006, costPerCorrect: 0.00075,
  tokens: { draft: 0, target: 120, prm: 30 }, tokensTotal: { draft: 0, target: 120000, prm: 30000 },
  draftAcceptance: null, errorRate: 0.003, fallbacks: 0, ...o,
});

const cmp = (metric: string, effect: number, ci: [number, number], o: Partial<Comparison> = {}): Comparison => ({
  metric, difference: metric === 'accuracy' ? 'absolute' : 'relative', effect, ci,
  pValue: ci[0] > 0 || ci[1] < 0 ? 0.0001 : 0.4, adjustedPValue: ci[0] > 0 || ci[1] < 0 ? 0.0004 : 0.8,
  significant: ci[0] > 0 || ci[1] < 0, betterIs: metric === 'accuracy' ? 'higher' : 'lower',
  baseline: 1, specs: 1 + effect, sequential: false, ...o,
});

const decision = (verdict: string, minutesAgo: number, reasons: ReportDecision['reasons'] = []): ReportDecision => ({
  at: new Date(Date.parse('2026-03-01T12:00:00Z') - minutesAgo * 60_000).toISOString(), stage: 1, verdict, actor: verdict === 'start' ? 'admin' : 'gate', reasons,
});

const hist = () => {
  const bounds = Array.from({ length: 40 }, (_, i) => 10 * 2 ** (i / 4));
  return { bounds: [...bounds, null], baseline: bounds.map((_, i) => (i >= 20 && i < 26 ? 10 : 0)).concat(0), specs: bounds.map((_, i) => (i >= 17 && i < 23 ? 10 : 0)).concat(0) };
};

const check = (name: string, status: GateCheck['status'], message: string): GateCheck => ({ name, kind: 'guardrail', status, message, values: {} });

function gate(verdict: ReportGate['verdict'], summary: string, checks: GateCheck[] = [check('accuracy', 'pass', 'accuracy: worse by at most 1.20 pts, within the 2.00 pts limit')]): ReportGate {
  return { verdict, summary, reasons: [{ code: verdict === 'advance' ? 'ALL_CRITERIA_MET' : 'INSUFFICIENT_DATA', message: summary }], checks, planStage: 1, analysisStage: 2, share: 0.25 };
}

function fixture(o: { comparisons?: Comparison[]; decisions?: ReportDecision[]; status?: string; srmFlagged?: boolean; gate?: ReportGate } = {}): ReportData {
  return {
    generatedAt: '2026-03-01T12:00:00.000Z',
    experiment: { key: 'specs-vs-beam', name: 'SPECS vs beam', status: 'running', specsShare: 0.25 },
    results: {
      stage: 'all',
      variants: { baseline: kpis(), specs: kpis({ latency: { mean: 138, p50: 130, p95: 250, p99: 300 }, costPerRequest: 0.00043, draftAcceptance: 0.71 }) },
      comparisons: o.comparisons ?? [
        cmp('accuracy', -0.004, [-0.012, 0.004]),
        cmp('latencyMean', -0.31, [-0.37, -0.25]),
        cmp('latencyP95', -0.22, [-0.3, -0.14]),
        cmp('costPerRequest', -0.28, [-0.32, -0.24]),
      ],
      srm: { pValue: o.srmFlagged ? 1e-6 : 0.41, flagged: Boolean(o.srmFlagged), observed: { baseline: 750, specs: 250 }, expectedShare: 0.25 },
      latencyHistogram: hist(),
    },
    rollout: {
      status: o.status ?? 'running', currentStage: 1, stageStartedAt: '2026-03-01T10:00:00.000Z',
      stages: [{ share: 0.05 }, { share: 0.25 }, { share: 1 }],
      guardrails: { accuracyNonInferiorityPts: 2, p95LatencyMaxIncreasePct: 10, costMaxIncreasePct: 10 },
      decisions: o.decisions ?? [decision('start', 240), decision('advance', 120, [{ code: 'ALL_CRITERIA_MET', message: 'all criteria met' }])],
      shareHistory: [
        { at: '2026-03-01T08:00:00.000Z', share: 0.05, stage: 0, reason: 'rollout started' },
        { at: '2026-03-01T10:00:00.000Z', share: 0.25, stage: 1, reason: 'gate advanced' },
      ],
    },
    gate: o.gate ?? gate('advance', 'Advancing from 25 %: every guardrail passes, the stage\'s minimums are met.'),
  };
}

describe('recommend takes its verdict from the gate', () => {
  it.each([
    ['the gate would advance → ship', fixture(), 'ship', "Advancing from 25 %: every guardrail passes, the stage's minimums are met."],
    ['the gate holds → hold, in its own words', fixture({ gate: gate('hold', 'Holding: SPECS needs 120 more graded answers at 25 %; nothing is breached.') }), 'hold',
      'Holding: SPECS needs 120 more graded answers at 25 %; nothing is breached.'],
    ['the gate would roll back → roll back', fixture({ gate: gate('rollback', 'Rolling back: p95 latency: worse by at least 12.00%, beyond the 10.00% limit (sequential bound).') }), 'rollback',
      'Rolling back: p95 latency: worse by at least 12.00%, beyond the 10.00% limit (sequential bound).'],
    ['a rolled-back rollout stays rolled back whatever the data say now', fixture({ status: 'rolled_back', decisions: [decision('manual-rollback', 1, [{ code: 'MANUAL', message: 'ops said so' }])] }), 'rollback',
      'Rolled back by gate: ops said so.'],
    ['a completed rollout shipped', fixture({ status: 'completed', gate: gate('hold', 'Holding: …') }), 'ship', 'Shipped: SPECS serves all traffic; the gate passed every stage.'],
  ])('%s', (_name, data, action, headline) => {
    const r = recommend(data);
    expect(r.action).toBe(action);
    expect(r.headline).toBe(headline);
    expect(r.reasons.length).toBeGreaterThan(0);
  });
});

describe('renderReport', () => {
  const report = renderReport(fixture());

  it('renders a self-contained HTML document', () => {
    expect(report.html).toMatch(/^<!doctype html>/);
    expect(report.html).not.toMatch(/<script|<link|src=|href="http|url\(/i);
    expect(report.html).toContain('<style>');
    expect((report.html.match(/<svg /g) ?? []).length).toBe(4);
    expect(report.html).toContain('data-action="ship"');
    expect(report.html).toContain('Latency distribution');
    expect(report.html).toContain('Accuracy with 95% CI');
    expect(report.html).toContain('SPECS share over time');
  });

  it('holds the KPI table with CIs, the comparisons and the decision log', () => {
    expect(report.html).toContain('80.0% [77.3%, 82.5%]');
    expect(report.html).toContain('−31.0%');
    expect(report.html).toContain('[−37.0%, −25.0%]');
    expect(report.html).toContain('SPECS better');
    expect(report.html).toContain('all criteria met');
    expect(report.html).toContain('gate advanced');
  });

  it('writes the same content as Markdown tables', () => {
    expect(report.markdown).toContain('## Recommendation: Ship');
    expect(report.markdown).toContain(`**${report.recommendation.headline}**`);
    expect(report.markdown).toMatch(/\| Accuracy \[95% CI\] \| 80\.0% \[77\.3%, 82\.5%\] \|/);
    expect(report.markdown).toMatch(/\| Latency mean \| 1\.0 ms \| 0\.7 ms \| −31\.0% \| \[−37\.0%, −25\.0%\] \| 0\.0001 \| 0\.0004 \| SPECS better \|/);
    expect(report.markdown).toContain('| 2026-03-01 10:00:00 UTC | 1 | 25% | gate advanced |');
  });

  it('escapes data it does not control', () => {
    const data = fixture();
    data.experiment.name = '<img onerror=x>';
    expect(renderReport(data).html).not.toContain('<img');
  });

  it('rebins the fine histogram to a readable number of bins', () => {
    const bins = rebinHistogram(hist(), 4);
    expect(bins.length).toBeLessThanOrEqual(5);
    expect(bins.reduce((a, b) => a + b.baseline, 0)).toBe(60);
    expect(bins.reduce((a, b) => a + b.specs, 0)).toBe(60);
  });
});

describe('markdown escaping of user text', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['a|b', 'a\\|b'],
    ['**bold** _it_ `code`', '\\*\\*bold\\*\\* \\_it\\_ \\`code\\`'],
    ['[click](http://evil.example)', '[click]\\(http://evil.example)'],
    ['two\nlines', 'two lines'],
    ['AT&T', 'AT&amp;T'],
  ])('%j → %j', (input, expected) => {
    expect(mdText(input)).toBe(expected);
  });
});
