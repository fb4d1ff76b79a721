// Per-variant KPIs and the SPECS − baseline comparisons, labelled with the analysis they come
// from. Intervals that cannot be computed honestly read "insufficient data", never numbers.
import { h, replace, $ } from './dom.js';
import { fmt, formatEffect, formatMetric, isNum, metricName } from './format.js';

const LABEL = { baseline: 'Baseline (beam search)', specs: 'SPECS' };

function kpi(testid, label, value, raw, sub) {
  return h('div', { class: 'kpi' },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value', 'data-testid': testid, 'data-value': isNum(raw) ? raw : '' }, value),
    sub ? h('div', { class: 'sub', 'data-testid': `${testid}-sub` }, sub) : null);
}

export function renderKpis(res, ciLabel) {
  replace($('kpis'), ['baseline', 'specs'].map((v) => {
    const k = res?.variants?.[v];
    const id = (x) => `kpi-${v}-${x}`;
    const body = !k || !k.n ? h('p', { class: 'muted' }, 'No requests in this analysis yet.') : h('div', { class: 'kpi-grid' },
      kpi(id('n'), 'Requests', fmt.int(k.n), k.n, `${fmt.int(k.errors + k.timeouts)} errors · ${fmt.int(k.graded)} graded`),
      kpi(id('accuracy'), 'Accuracy', fmt.pct(k.accuracy), k.accuracy, k.accuracyCi ? `${ciLabel} ${fmt.pct(k.accuracyCi[0])} – ${fmt.pct(k.accuracyCi[1])}` : 'no graded answers'),
      kpi(id('mean'), 'Latency mean', fmt.ms(k.latency?.mean), k.latency?.mean),
      kpi(id('p50'), 'Latency p50', fmt.ms(k.latency?.p50), k.latency?.p50),
      kpi(id('p95'), 'Latency p95', fmt.ms(k.latency?.p95), k.latency?.p95),
      kpi(id('p99'), 'Latency p99', fmt.ms(k.latency?.p99), k.latency?.p99),
      kpi(id('cost'), 'Cost / request', fmt.usd(k.costPerRequest), k.costPerRequest),
      kpi(id('cost-per-correct'), 'Cost / correct', fmt.usd(k.costPerCorrect), k.costPerCorrect),
      kpi(id('acceptance'), 'Draft acceptance', fmt.pct(k.draftAcceptance), k.draftAcceptance));
    return h('div', { class: 'card kpi-card', 'data-testid': `kpi-card-${v}` }, h('h3', {}, h('span', { class: `swatch ${v}` }), LABEL[v]), body);
  }));
}

/**
 * Whether an interval is one the metric can have: a difference of proportions within ±100
 * pts, a relative change above −100 %, an absolute latency or cost change above −baseline.
 * Outside that, the approximation behind it has broken down (too little data).
 */
export function possibleInterval(c) {
  if (!Array.isArray(c.ci) || !isNum(c.ci[0]) || !isNum(c.ci[1]) || !isNum(c.effect)) return false;
  const [lo, hi] = c.ci;
  if (c.difference === 'relative') return lo >= -1;
  if (/accuracy|errorRate/i.test(c.metric)) return lo >= -1 && hi <= 1;
  return !isNum(c.baseline) || lo >= -c.baseline;
}

export function renderComparisons(res) {
  const rows = res?.comparisons ?? [];
  replace($('comparisons-body'), rows.length ? rows.map((c) => {
    const honest = !c.insufficient && possibleInterval(c);
    const why = c.insufficient ? c.reason ?? 'insufficient data' : 'the interval exceeds what the metric can be: too little data for this approximation';
    const better = isNum(c.effect) && (c.betterIs === 'lower' ? c.effect < 0 : c.effect > 0);
    const verdict = !honest ? h('span', { class: 'muted' }, '–')
      : c.significant ? h('span', { class: `sig ${better ? '' : 'worse'}` }, better ? 'better' : 'worse') : h('span', { class: 'muted' }, 'n.s.');
    const insufficient = (testid) => h('td', { class: 'num muted insufficient', colspan: undefined, title: why, 'data-testid': testid }, 'insufficient data');
    return h('tr', { 'data-metric': c.metric, 'data-honest': String(honest) },
      h('td', {}, metricName(c.metric)),
      h('td', { class: 'num' }, formatMetric(c.metric, c.baseline)), h('td', { class: 'num' }, formatMetric(c.metric, c.specs)),
      honest ? h('td', { class: 'num', 'data-testid': `effect-${c.metric}` }, formatEffect(c, c.effect)) : insufficient(`effect-${c.metric}`),
      honest ? h('td', { class: 'num', 'data-testid': `ci-${c.metric}` }, `${formatEffect(c, c.ci[0])} to ${formatEffect(c, c.ci[1])}`) : insufficient(`ci-${c.metric}`),
      h('td', { class: 'num' }, honest ? fmt.p(c.adjustedPValue) : '–'),
      h('td', {}, verdict));
  }) : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'Not enough data.')));
}

/**
 * The analysis segments: each analysis stage is one constant split (every share change opens
 * one), newest first; pooling them mixes splits and is offered last, labelled so.
 */
export function segmentOptions(rollout) {
  const byStage = new Map();
  for (const x of [...(rollout?.shareHistory ?? [])].reverse()) {
    if (!byStage.has(x.stage)) byStage.set(x.stage, { stage: x.stage, share: x.specsShare, from: x.at });
    else byStage.get(x.stage).share = x.specsShare;
  }
  const list = [...byStage.values()].sort((a, b) => b.stage - a.stage);
  const current = rollout?.analysisStage;
  const now = list.find((s) => s.stage === current);
  const opts = [{ value: 'current', text: now ? `Current split: ${fmt.share(now.share)} since ${fmt.time(now.from)} (what the gate reads)` : 'Current split (what the gate reads)' }];
  for (const s of list) if (s.stage !== current) opts.push({ value: String(s.stage), text: `Earlier split: ${fmt.share(s.share)} from ${fmt.time(s.from)} (analysis stage ${s.stage})` });
  opts.push({ value: 'all', text: 'All splits pooled (mixes shares: not what the gate reads)' });
  return opts;
}

export function analysisLabel({ res, segment, fixedHorizon, stageText }) {
  const level = `${Math.round((1 - (res?.alpha ?? 0.05)) * 100)} %`;
  const scope = segment === 'all' ? 'all splits pooled' : segment === 'current' ? `the current split (${stageText})` : `analysis stage ${segment} (an earlier split)`;
  return fixedHorizon
    ? `FIXED-HORIZON ${level} intervals, on request, for ${scope}: valid for a single look only — refreshing and re-reading them inflates false positives. The gate does not use them.`
    : `Sequential ${level} confidence sequences for ${scope}: safe to look at repeatedly, the kind of analysis the gate uses (its guardrail bounds are in the rollout panel above).`;
}
