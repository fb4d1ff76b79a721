/**
 * Scales, ticks and time labels shared by the report's SVG charts (svg-chart.ts) and the ops
 * console, which gets this very file transpiled to an ES module (console-router.ts): one tick
 * and axis implementation, so a chart in the report and the same chart in the console agree.
 * Pure and dependency-free on purpose; the browser imports it as it is.
 */

export interface Domain {
  lo: number;
  hi: number;
  ticks: number[];
}

const STEPS = [1, 2, 2.5, 5, 10];

/** The smallest "nice" step (1, 2, 2.5, 5 × 10^k) at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return STEPS.map((k) => k * mag).find((s) => s >= raw * (1 - 1e-12)) ?? 10 * mag;
}

/** Nice tick values covering [lo, hi]: the first is ≤ lo and the last ≥ hi, so data never leaves the axis. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (!(hi > lo)) hi = lo + (Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1);
  const step = niceStep((hi - lo) / Math.max(1, count));
  const out: number[] = [];
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  for (let k = 0; first + k * step <= last + step * 1e-9; k++) out.push(Number((first + k * step).toPrecision(12)));
  return out;
}

/**
 * An axis domain that holds every value: optional zero baseline, `headroom` (a fraction of the
 * span) above the largest value for labels, then widened to nice ticks, never beyond
 * [min, max] (e.g. a proportion's [0, 1]).
 */
export function niceDomain(
  values: readonly number[],
  options: { includeZero?: boolean; headroom?: number; padding?: number; min?: number; max?: number; count?: number } = {},
): Domain {
  const finite = values.filter((v) => Number.isFinite(v));
  if (options.includeZero) finite.push(0);
  if (finite.length === 0) return { lo: 0, hi: 1, ticks: niceTicks(0, 1, options.count) };
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  const span = hi - lo || Math.abs(hi) || 1;
  lo -= span * (options.padding ?? 0);
  hi += span * ((options.padding ?? 0) + (options.headroom ?? 0));
  if (options.includeZero && Math.min(...finite) >= 0) lo = Math.max(0, lo);
  if (options.min !== undefined) lo = Math.max(options.min, lo);
  if (options.max !== undefined) hi = Math.min(options.max, hi);
  const ticks = niceTicks(lo, hi, options.count).filter((t) => (options.min === undefined || t >= options.min - 1e-12) && (options.max === undefined || t <= options.max + 1e-12));
  const tlo = Math.min(lo, ticks[0] ?? lo);
  const thi = Math.max(hi, ticks[ticks.length - 1] ?? hi);
  return { lo: tlo, hi: thi > tlo ? thi : tlo + 1, ticks };
}

/** Linear map from a domain to a pixel range; `clamp` keeps out-of-domain values on the edge. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number], clamp = true): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => {
    const t = (v - d0) / span;
    const c = clamp ? Math.min(1, Math.max(0, t)) : t;
    return r0 + c * (r1 - r0);
  };
}

/** Keeps a label's anchor inside [lo, hi] (pixels), so text near an edge is never cut. */
export const clampTo = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY,
];

/**
 * Time ticks inside [t0, t1] on round local times (every 5 min, every 3 h, midnight…).
 * `offsetMinutes` is the viewer's UTC offset, so "round" means round on their clock.
 */
export function timeTicks(t0: number, t1: number, maxTicks = 5, offsetMinutes = 0): { step: number; ticks: number[] } {
  if (!(t1 > t0)) return { step: SECOND, ticks: Number.isFinite(t0) ? [t0] : [] };
  const step = TIME_STEPS.find((s) => (t1 - t0) / s <= maxTicks) ?? Math.ceil((t1 - t0) / maxTicks / DAY) * DAY;
  const off = offsetMinutes * MINUTE;
  const ticks: number[] = [];
  for (let t = Math.ceil((t0 + off) / step) * step - off; t <= t1; t += step) ticks.push(t);
  return { step, ticks };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

interface Parts {
  y: number;
  mo: string;
  d: string;
  h: string;
  mi: string;
  s: string;
}
function parts(t: number, offsetMinutes: number): Parts {
  const x = new Date(t + offsetMinutes * MINUTE);
  return {
    y: x.getUTCFullYear(),
    mo: pad2(x.getUTCMonth() + 1),
    d: pad2(x.getUTCDate()),
    h: pad2(x.getUTCHours()),
    mi: pad2(x.getUTCMinutes()),
    s: pad2(x.getUTCSeconds()),
  };
}

/** "2026-12-01 13:36" (or with seconds): ISO order, unambiguous in every locale. */
export function formatDateTime(t: number, offsetMinutes = 0, withSeconds = false): string {
  if (!Number.isFinite(t)) return '–';
  const p = parts(t, offsetMinutes);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}${withSeconds ? `:${p.s}` : ''}`;
}

/** "UTC+01:00" for an offset in minutes. */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '−' : '+';
  const a = Math.abs(offsetMinutes);
  return `UTC${sign}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

/**
 * Axis labels for time ticks: as precise as the step needs (seconds only below a minute), the
 * date only where it changes (and on the first tick when the axis spans days), so no two
 * labels on one axis read the same.
 */
export function timeTickLabels(ticks: readonly number[], step: number, offsetMinutes = 0): string[] {
  const spansDays = ticks.length > 1 && parts(ticks[0]!, offsetMinutes).d !== parts(ticks[ticks.length - 1]!, offsetMinutes).d;
  return ticks.map((t, i) => {
    const p = parts(t, offsetMinutes);
    if (step >= DAY) return `${p.y}-${p.mo}-${p.d}`;
    const clock = step < MINUTE ? `${p.h}:${p.mi}:${p.s}` : `${p.h}:${p.mi}`;
    const prev = i > 0 ? parts(ticks[i - 1]!, offsetMinutes) : null;
    const newDay = prev ? prev.d !== p.d : spansDays;
    return newDay ? `${p.mo}-${p.d} ${clock}` : clock;
  });
}
