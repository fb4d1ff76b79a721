import { barChart, escapeXml, lineChart, niceTicks } from '../analysis/charts/svg-chart';
import type { Comparison, VariantKpis } from '../analysis/kpi-service';
import { recommend, type Recommendation } from './recommendation';
import type { ReportData } from './report-types';

/**
 * Business-review report: data in, self-contained HTML (inline CSS and SVG, no
 * external assets) and Markdown out. Pure, so every wording and number is
 * testable from fixtures.
 */
export interface RenderedReport {
  html: string;
  markdown: string;
  recommendation: Recommendation;
}

const VARIANTS = ['baseline', 'specs'] as const;
const LABEL = { baseline: 'Baseline (beam search)', specs: 'SPECS' } as const;
const COLOR = { baseline: '#7a8599', specs: '#0f9d8a' } as const;
const ACTION_LABEL = { ship: 'Ship', hold: 'Hold', rollback: 'Roll back' } as const;

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
export const fmt = {
  int: (x: number | null | undefined) => (isNum(x) ? Math.round(x).toLocaleString('en-US') : '–'),
  pct: (x: number | null | undefined, d = 1) => (isNum(x) ? `${(x * 100).toFixed(d)}%` : '–'),
  ms: (x: number | null | undefined) => (!isNum(x) ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`),
  usd: (x: number | null | undefined) => (!isNum(x) ? '–' : x === 0 ? '$0' : Math.abs(x) >= 1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(3)}`),
  p: (x: number | null | undefined) => (!isNum(x) ? '–' : x < 0.0001 ? '<0.0001' : x.toFixed(4)),
  time: (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '–'),
};
const signed = (x: number, f: (a: number) => string) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${f(Math.abs(x))}`;

const METRIC_NAMES: Record<string, string> = {
  accuracy: 'Accuracy', latencyMean: 'Latency mean', latencyP50: 'Latency p50', latencyP95: 'Latency p95', latencyP99: 'Latency p99',
  costPerRequest: 'Cost / request', costPerCorrect: 'Cost / correct answer',
};

export function formatEffect(c: Pick<Comparison, 'metric' | 'difference'>, x: number): string {
  if (!isNum(x)) return '–';
  if (c.difference === 'relative') return signed(x * 100, (a) => `${a.toFixed(1)}%`);
  if (/accuracy/i.test(c.metric)) return signed(x * 100, (a) => `${a.toFixed(2)} pts`);
  if (/latency/i.test(c.metric)) return signed(x, fmt.ms);
  if (/cost/i.test(c.metric)) return signed(x, fmt.usd);
  return x.toPrecision(3);
}
function formatMetric(metric: string, x: number | null): string {
  if (/accuracy/i.test(metric)) return fmt.pct(x);
  if (/latency/i.test(metric)) return fmt.ms(x);
  if (/cost/i.test(metric)) return fmt.usd(x);
  return isNum(x) ? x.toPrecision(3) : '–';
}
function verdictOf(c: Comparison): string {
  if (c.insufficient) return 'insufficient data';
  if (!c.significant) return 'not significant';
  return (c.betterIs === 'lower' ? c.effect < 0 : c.effect > 0) ? 'SPECS better' : 'SPECS worse';
}

// ---------- tables (shared by HTML and Markdown) ----------
interface Table { head: string[]; rows: string[][]; numeric: boolean[] }

function kpiTable(v: ReportData['results']['variants']): Table {
  const row = (name: string, f: (k: VariantKpis) => string) => [name, ...VARIANTS.map((x) => f(v[x]))];
  return {
    head: ['KPI', LABEL.baseline, LABEL.specs],
    numeric: [false, true, true],
    rows: [
      row('Requests', (k) => fmt.int(k.n)),
      row('Errors', (k) => fmt.int(k.errors)),
      row('Graded', (k) => fmt.int(k.graded)),
      row('Accuracy [95% CI]', (k) => `${fmt.pct(k.accuracy)} [${fmt.pct(k.accuracyCi?.[0])}, ${fmt.pct(k.accuracyCi?.[1])}]`),
      row('Latency mean', (k) => fmt.ms(k.latency.mean)),
      row('Latency p50', (k) => fmt.ms(k.latency.p50)),
      row('Latency p95', (k) => fmt.ms(k.latency.p95)),
      row('Latency p99', (k) => fmt.ms(k.latency.p99)),
      row('Cost / request', (k) => fmt.usd(k.costPerRequest)),
      row('Cost / correct answer', (k) => fmt.usd(k.costPerCorrect)),
      row('Draft acceptance', (k) => fmt.pct(k.draftAcceptance)),
    ],
  };
}

function comparisonTable(cs: Comparison[]): Table {
  return {
    head: ['Metric', 'Baseline', 'SPECS', 'Effect', '95% CI', 'p', 'adj. p', 'Verdict'],
    numeric: [false, true, true, true, true, true, true, false],
    rows: cs.map((c) => [
      METRIC_NAMES[c.metric] ?? c.metric,
      formatMetric(c.metric, c.baseline),
      formatMetric(c.metric, c.specs),
      formatEffect(c, c.effect),
      `[${formatEffect(c, c.ci[0])}, ${formatEffect(c, c.ci[1])}]`,
      fmt.p(c.pValue),
      fmt.p(c.adjustedPValue),
      verdictOf(c),
    ]),
  };
}

function gateTable(data: ReportData): Table {
  return {
    head: ['Check', 'Status', 'Detail'],
    rows: data.gate.checks.map((c) => [c.name, c.status, c.message]),
    numeric: [false, false, false],
  };
}

function decisionTable(data: ReportData): Table {
  return {
    head: ['When', 'Stage', 'Decision', 'Actor', 'Reasons'],
    numeric: [false, true, false, false, false],
    rows: (data.rollout?.decisions ?? []).map((d) => [fmt.time(d.at), String(d.stage), d.verdict, d.actor, d.reasons.map((r) => r.message).join('; ') || '–']),
  };
}

function shareTable(data: ReportData): Table {
  return {
    head: ['When', 'Stage', 'SPECS share', 'Reason'],
    numeric: [false, true, true, false],
    rows: (data.rollout?.shareHistory ?? []).map((s) => [fmt.time(s.at), String(s.stage), fmt.pct(s.share, 0), s.reason]),
  };
}

const htmlTable = (t: Table, cls = '') =>
  `<table class="${cls}"><thead><tr>${t.head.map((h, i) => `<th${t.numeric[i] ? ' class="num"' : ''}>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>` +
  (t.rows.length
    ? t.rows.map((r) => `<tr>${r.map((c, i) => `<td${t.numeric[i] ? ' class="num"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`).join('')
    : `<tr><td colspan="${t.head.length}" class="muted">None yet.</td></tr>`) +
  '</tbody></table>';

/**
 * Text from users (experiment names, share-change reasons) inside Markdown: HTML is written
 * as entities (many renderers pass raw HTML through) and Markdown's own marks are escaped,
 * so a name can neither inject markup nor restyle the report.
 */
export const mdText = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_|])/g, '\\$1')
    .replace(/\]\(/g, ']\\(')
    .replace(/\r?\n/g, ' ');
const mdCell = mdText;
const mdTable = (t: Table) =>
  t.rows.length
    ? [`| ${t.head.map(mdCell).join(' | ')} |`, `| ${t.numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`, ...t.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n')
    : '_None yet._';

// ---------- charts ----------
/** Merges the fine log-spaced histogram into at most `maxBins` bins over the occupied range. */
export function rebinHistogram(h: ReportData['results']['latencyHistogram'], maxBins = 14) {
  const len = Math.max(h.baseline.length, h.specs.length);
  let first = len;
  let last = -1;
  for (let i = 0; i < len; i++) if ((h.baseline[i] ?? 0) > 0 || (h.specs[i] ?? 0) > 0) { first = Math.min(first, i); last = i; }
  if (last < 0) return [];
  const width = Math.max(1, Math.ceil((last - first + 1) / maxBins));
  const bins: { upper: number | null; baseline: number; specs: number }[] = [];
  for (let s = first; s <= last; s += width) {
    const e = Math.min(len - 1, s + width - 1);
    const sum = (a: number[]) => a.slice(s, e + 1).reduce((x, y) => x + (y ?? 0), 0);
    const upper = h.bounds[e];
    bins.push({ upper: isNum(upper) ? upper : null, baseline: sum(h.baseline), specs: sum(h.specs) });
  }
  return bins;
}

function latencyChart(data: ReportData): string {
  const bins = rebinHistogram(data.results.latencyHistogram);
  if (!bins.length) return '<p class="muted">No latency data yet.</p>';
  const tot = { baseline: bins.reduce((a, b) => a + b.baseline, 0) || 1, specs: bins.reduce((a, b) => a + b.specs, 0) || 1 };
  return barChart({
    title: 'Latency distribution (share of requests per bucket)',
    categories: bins.map((b) => (b.upper === null ? '∞' : `<${fmt.ms(b.upper)}`)),
    series: VARIANTS.map((v) => ({ name: LABEL[v], color: COLOR[v], values: bins.map((b) => (b[v] / tot[v]) * 100) })),
    yLabel: '% of requests',
    format: (x) => `${x.toFixed(0)}%`,
    width: 900,
    height: 380,
  });
}

/** Point estimates with CI whiskers (svg-chart has no error bars). */
function accuracyChart(data: ReportData): string {
  const v = data.results.variants;
  const rows = VARIANTS.filter((x) => isNum(v[x].accuracy));
  if (!rows.length) return '<p class="muted">No graded requests yet.</p>';
  const W = 440, H = 320, L = 64, R = 24, T = 48, B = 48;
  const lo = Math.min(...rows.map((x) => v[x].accuracyCi?.[0] ?? v[x].accuracy!));
  const hi = Math.max(...rows.map((x) => v[x].accuracyCi?.[1] ?? v[x].accuracy!));
  const pad = Math.max(0.02, (hi - lo) * 0.25);
  const ticks = niceTicks(Math.max(0, lo - pad) * 100, Math.min(1, hi + pad) * 100, 5);
  const y0 = ticks[0]!, y1 = ticks[ticks.length - 1]!;
  const y = (a: number) => T + (1 - (a * 100 - y0) / (y1 - y0 || 1)) * (H - T - B);
  const x = (i: number) => L + ((i + 0.5) / VARIANTS.length) * (W - L - R);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">Accuracy with 95% CI</text>`,
    ...ticks.map((t) => `<line x1="${L}" x2="${W - R}" y1="${y(t / 100).toFixed(1)}" y2="${y(t / 100).toFixed(1)}" stroke="#e5e5e5"/><text x="${L - 6}" y="${(y(t / 100) + 4).toFixed(1)}" text-anchor="end">${t}%</text>`),
  ];
  VARIANTS.forEach((name, i) => {
    const k = v[name];
    out.push(`<text x="${x(i)}" y="${H - B + 20}" text-anchor="middle">${escapeXml(LABEL[name])}</text>`);
    if (!isNum(k.accuracy)) return;
    const [a, b] = k.accuracyCi ?? [k.accuracy, k.accuracy];
    const c = COLOR[name];
    out.push(
      `<line x1="${x(i)}" x2="${x(i)}" y1="${y(a).toFixed(1)}" y2="${y(b).toFixed(1)}" stroke="${c}" stroke-width="2"/>`,
      `<line x1="${x(i) - 12}" x2="${x(i) + 12}" y1="${y(a).toFixed(1)}" y2="${y(a).toFixed(1)}" stroke="${c}" stroke-width="2"/>`,
      `<line x1="${x(i) - 12}" x2="${x(i) + 12}" y1="${y(b).toFixed(1)}" y2="${y(b).toFixed(1)}" stroke="${c}" stroke-width="2"/>`,
      `<circle cx="${x(i)}" cy="${y(k.accuracy).toFixed(1)}" r="6" fill="${c}"><title>${escapeXml(`${LABEL[name]}: ${fmt.pct(k.accuracy)} [${fmt.pct(a)}, ${fmt.pct(b)}]`)}</title></circle>`,
      `<text x="${x(i) + 18}" y="${(y(k.accuracy) + 4).toFixed(1)}" font-weight="bold">${fmt.pct(k.accuracy)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

function costChart(data: ReportData): string {
  const v = data.results.variants;
  if (!VARIANTS.some((x) => isNum(v[x].costPerRequest))) return '<p class="muted">No cost data yet.</p>';
  return barChart({
    title: 'Cost (USD)',
    categories: ['per request', 'per correct answer'],
    series: VARIANTS.map((x) => ({ name: LABEL[x], color: COLOR[x], values: [v[x].costPerRequest ?? 0, v[x].costPerCorrect ?? 0] })),
    format: (x) => fmt.usd(x),
    width: 440,
    height: 320,
  });
}

function shareChart(data: ReportData, now: number): string {
  const hist = [...(data.rollout?.shareHistory ?? [])].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  if (!hist.length) return '<p class="muted">No share changes recorded.</p>';
  const t0 = Date.parse(hist[0]!.at);
  const end = Math.max(now, Date.parse(hist[hist.length - 1]!.at));
  const hours = (t: number) => (t - t0) / 3_600_000;
  const points: { x: number; y: number }[] = [];
  hist.forEach((h, i) => {
    const t = hours(Date.parse(h.at));
    if (i > 0) points.push({ x: t, y: points[points.length - 1]!.y });
    points.push({ x: t, y: h.share * 100 });
  });
  points.push({ x: hours(end), y: points[points.length - 1]!.y });
  return lineChart({
    title: 'SPECS share over time',
    series: [{ name: 'SPECS share (%)', color: COLOR.specs, points }],
    xLabel: `hours since ${fmt.time(hist[0]!.at)}`,
    yLabel: 'SPECS share (%)',
    width: 900,
    height: 320,
  });
}

// ---------- document ----------
const CSS = `
:root{--text:#1d2430;--muted:#6b7587;--border:#e1e5ec;--bg:#f4f6f9;--ship:#1a8f4c;--hold:#b7791f;--rollback:#c8372d}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:28px 20px 48px}h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.muted{color:var(--muted)}.meta{color:var(--muted);margin-bottom:18px}
.rec{border-radius:10px;padding:16px 18px;background:#fff;border:1px solid var(--border);border-left:6px solid var(--hold)}
.rec.ship{border-left-color:var(--ship)}.rec.rollback{border-left-color:var(--rollback)}
.rec .action{font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.06em}.rec.ship .action{color:var(--ship)}.rec.hold .action{color:var(--hold)}.rec.rollback .action{color:var(--rollback)}
.rec p.headline{font-size:17px;font-weight:600;margin:4px 0 8px}.rec ul{margin:0;padding-left:20px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--border);border-radius:8px;overflow:hidden;font-size:13px}
th{background:#f8f9fb;text-align:left;font-weight:600;color:var(--muted);font-size:12px}th,td{padding:7px 10px;border-bottom:1px solid #eef0f4;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px}.chart{background:#fff;border:1px solid var(--border);border-radius:8px;padding:8px}
.chart svg{width:100%;height:auto;display:block}.chart.wide{grid-column:1/-1}.srm{margin-top:8px}
footer{margin-top:36px;color:var(--muted);font-size:12px}
@media print{body{background:#fff}.chart,table,.rec{break-inside:avoid}}
`;

export function renderReport(data: ReportData, options: { now?: number } = {}): RenderedReport {
  const now = options.now ?? Date.parse(data.generatedAt);
  const rec = recommend(data);
  const exp = data.experiment;
  const r = data.rollout;
  const stageLabel = data.results.stage === 'all' ? 'all stages' : `stage ${data.results.stage}`;
  const gate = data.gate;
  const srm = data.results.srm;
  const srmText = `Sample-ratio check: ${fmt.int(srm.observed.baseline)} baseline / ${fmt.int(srm.observed.specs)} SPECS requests, expected SPECS share ${srm.expectedShare === null ? '–' : fmt.pct(srm.expectedShare)}, p = ${fmt.p(srm.pValue)}${srm.flagged ? ' — MISMATCH: results are not trustworthy' : ' (ok)'}.`;
  const rolloutLine = r
    ? `Rollout ${r.status}, stage ${r.currentStage + 1} of ${r.stages.length} at ${fmt.pct(r.stages[r.currentStage]?.share ?? exp.specsShare, 0)} SPECS; the gate says now: ${gate.verdict}.`
    : `No rollout plan; SPECS share ${fmt.pct(exp.specsShare, 0)}.`;
  const title = `${exp.name && exp.name !== exp.key ? `${exp.name} (${exp.key})` : exp.key} — business review`;

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${escapeXml(title)}</h1>
<div class="meta">SPECS (draft + target + PRM verification) vs beam-search baseline · experiment ${escapeXml(exp.status)} · results for ${escapeXml(stageLabel)} · generated ${escapeXml(fmt.time(data.generatedAt))}</div>
<section class="rec ${rec.action}" id="recommendation" data-action="${rec.action}">
<div class="action">Recommendation: ${ACTION_LABEL[rec.action]}</div>
<p class="headline">${escapeXml(rec.headline)}</p>
<ul>${rec.reasons.map((x) => `<li>${escapeXml(x)}</li>`).join('')}</ul>
</section>
<p>${escapeXml(rolloutLine)}</p>
<h2>KPIs per variant</h2>
${htmlTable(kpiTable(data.results.variants), 'kpis')}
<p class="srm muted">${escapeXml(srmText)}</p>
<h2>Gate checks (analysis stage ${gate.analysisStage}, sequential, what the evaluator decides on)</h2>
${htmlTable(gateTable(data), 'gate')}
<h2>Descriptive comparisons (fixed-horizon, ${escapeXml(stageLabel)}: not a decision)</h2>
${htmlTable(comparisonTable(data.results.comparisons), 'comparisons')}
<p class="muted">Effects are SPECS − baseline (absolute) or SPECS / baseline − 1 (relative); p-values adjusted for the family of metrics. These intervals are valid for one look only; the recommendation comes from the gate's sequential checks above.</p>
<h2>Charts</h2>
<div class="charts">
<div class="chart wide">${latencyChart(data)}</div>
<div class="chart">${accuracyChart(data)}</div>
<div class="chart">${costChart(data)}</div>
</div>
<h2>Stage timeline</h2>
<div class="chart">${shareChart(data, now)}</div>
<h2>Decisions</h2>
${htmlTable(decisionTable(data), 'decisions')}
<h2>Share history</h2>
${htmlTable(shareTable(data), 'shares')}
<footer>Generated by <code>npm run report</code> from the request log, the rollout plan and its decision log.</footer>
</main></body></html>
`;

  const markdown = [
    `# ${mdText(title)}`,
    '',
    `_Results for ${stageLabel} · experiment ${exp.status} · generated ${fmt.time(data.generatedAt)}_`,
    '',
    `## Recommendation: ${ACTION_LABEL[rec.action]}`,
    '',
    `**${rec.headline}**`,
    '',
    ...rec.reasons.map((x) => `- ${mdText(x)}`),
    '',
    rolloutLine,
    '',
    '## KPIs per variant',
    '',
    mdTable(kpiTable(data.results.variants)),
    '',
    srmText,
    '',
    `## Gate checks (analysis stage ${gate.analysisStage}, sequential, what the evaluator decides on)`,
    '',
    mdTable(gateTable(data)),
    '',
    `## Descriptive comparisons (fixed-horizon, ${stageLabel}: not a decision)`,
    '',
    mdTable(comparisonTable(data.results.comparisons)),
    '',
    '## Decisions',
    '',
    mdTable(decisionTable(data)),
    '',
    '## Share history',
    '',
    mdTable(shareTable(data)),
    '',
    '_Charts (latency distribution, accuracy with CI, cost, share over time) are in the HTML report._',
    '',
  ].join('\n');

  return { html, markdown, recommendation: rec };
}
