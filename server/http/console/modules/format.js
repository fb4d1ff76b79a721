// Number, time and stage wording shared by every part of the console. Dates are ISO-like
// (2026-12-01 13:36) in the viewer's time zone, from the same module the charts use.
import { formatDateTime, formatOffset } from './chart-scale.js';

export const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
export const tzOffset = () => -new Date().getTimezoneOffset();

const share = (x) => (isNum(x) ? `${+(x * 100).toFixed(2)} %` : '–');

export const fmt = {
  int: (x) => (isNum(x) ? Math.round(x).toLocaleString('en-US') : '–'),
  pct: (x, d = 1) => (isNum(x) ? `${(x * 100).toFixed(d)}%` : '–'),
  share,
  ms: (x) => (!isNum(x) ? '–' : x >= 100_000 ? `${(x / 1000).toFixed(0)} s` : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`),
  usd: (x) => (!isNum(x) ? '–' : x === 0 ? '$0' : Math.abs(x) >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(Math.max(2, 2 - Math.floor(Math.log10(Math.abs(x)))))}`),
  p: (x) => (!isNum(x) ? '–' : x < 0.0001 ? '<0.0001' : x.toFixed(4)),
  time: (iso) => (iso ? formatDateTime(typeof iso === 'number' ? iso : Date.parse(iso), tzOffset()) : '–'),
  timeSec: (iso) => (iso ? formatDateTime(typeof iso === 'number' ? iso : Date.parse(iso), tzOffset(), true) : '–'),
  zone: () => formatOffset(tzOffset()),
  signed: (x, f) => (!isNum(x) ? '–' : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${f(Math.abs(x))}`),
  /** "1 h 20 min", "45 s": durations people read at a glance. */
  duration(ms) {
    if (!isNum(ms)) return '–';
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s} s`;
    const m = Math.round(s / 60);
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
    return `${(h / 24).toFixed(1)} days`;
  },
  hours: (x) => (!isNum(x) ? '–' : x < 1 ? `${Math.round(60 * x)} min` : `${x.toFixed(1)} h`),
};

/** "stage 2 of 5 (5 %)": 1-based, as the API words it (rollout-assessment.ts). */
export const stageLabel = (index, count, s) => `stage ${index + 1} of ${count} (${share(s)})`;

export const METRIC_NAMES = {
  accuracy: 'Accuracy', latencyMean: 'Latency mean', latencyP50: 'Latency p50', latencyP95: 'Latency p95', latencyP99: 'Latency p99',
  costPerRequest: 'Cost / request', costPerCorrect: 'Cost / correct',
  errorRate: 'Error rate', p95Latency: 'p95 latency', cost: 'Cost / request', duration: 'stage duration', samples: 'graded samples',
};
export const metricName = (m) => METRIC_NAMES[m] ?? m;

/** A value in its metric's unit. */
export function formatMetric(metric, x) {
  if (/accuracy|errorRate/i.test(metric)) return fmt.pct(x);
  if (/latency/i.test(metric)) return fmt.ms(x);
  if (/cost/i.test(metric)) return fmt.usd(x);
  return isNum(x) ? x.toPrecision(3) : '–';
}

/** An effect: relative in %, absolute proportions in points, latency and cost in their units. */
export function formatEffect(c, x) {
  if (!isNum(x)) return '–';
  if (c.difference === 'relative') return fmt.signed(x * 100, (a) => `${a.toFixed(1)}%`);
  if (/accuracy|errorRate/i.test(c.metric)) return fmt.signed(x * 100, (a) => `${a.toFixed(2)} pts`);
  if (/latency/i.test(c.metric)) return fmt.signed(x, fmt.ms);
  if (/cost/i.test(c.metric)) return fmt.signed(x, fmt.usd);
  return x.toPrecision(3);
}
