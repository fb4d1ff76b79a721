/**
 * Dependency-free SVG charts for reports: bar, scatter and line charts that
 * return a standalone SVG string. Layout is fixed (margins, ticks, legend) so
 * every report looks alike; callers supply only data and labels.
 */

import { niceTicks } from './chart-scale';

// The one tick implementation, shared with the ops console (chart-scale.ts).
export { niceTicks };

export interface BarSeries {
  name: string;
  values: number[];
  color?: string;
}

export interface BarChartSpec {
  title: string;
  categories: string[];
  series: BarSeries[];
  yLabel?: string;
  /** Horizontal reference lines, e.g. α. */
  referenceLines?: { y: number; label: string }[];
  width?: number;
  height?: number;
  /** Formats tick and value labels. */
  format?: (v: number) => string;
}

export interface ScatterPoint {
  x: number;
  y: number;
  label?: string;
  series?: string;
}

export interface ScatterChartSpec {
  title: string;
  points: ScatterPoint[];
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

export interface LineChartSpec {
  title: string;
  series: { name: string; points: { x: number; y: number }[]; color?: string }[];
  xLabel?: string;
  yLabel?: string;
  referenceLines?: { y: number; label: string }[];
  width?: number;
  height?: number;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const M = { top: 48, right: 24, bottom: 64, left: 72 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmtDefault = (v: number): string => (Math.abs(v) >= 1000 || v === 0 ? String(Math.round(v)) : Number(v.toPrecision(3)).toString());

interface Frame {
  width: number;
  height: number;
  plotW: number;
  plotH: number;
  sx: (x: number) => number;
  sy: (y: number) => number;
}

function frame(width: number, height: number, x: [number, number], y: [number, number]): Frame {
  const plotW = width - M.left - M.right;
  const plotH = height - M.top - M.bottom;
  const spanX = x[1] - x[0] || 1;
  const spanY = y[1] - y[0] || 1;
  return {
    width,
    height,
    plotW,
    plotH,
    sx: (v) => M.left + ((v - x[0]) / spanX) * plotW,
    sy: (v) => M.top + plotH - ((v - y[0]) / spanY) * plotH,
  };
}

function open(f: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${f.width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];
}

function yAxis(f: Frame, ticks: number[], label: string | undefined, fmt: (v: number) => string): string[] {
  const out = ticks.map(
    (t) =>
      `<line x1="${M.left}" x2="${M.left + f.plotW}" y1="${f.sy(t).toFixed(1)}" y2="${f.sy(t).toFixed(1)}" stroke="#e5e5e5"/>` +
      `<text x="${M.left - 6}" y="${(f.sy(t) + 4).toFixed(1)}" text-anchor="end">${escapeXml(fmt(t))}</text>`,
  );
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + f.plotH}" stroke="#333"/>`);
  if (label) {
    const cy = M.top + f.plotH / 2;
    out.push(`<text x="18" y="${cy}" text-anchor="middle" transform="rotate(-90 18 ${cy})">${escapeXml(label)}</text>`);
  }
  return out;
}

function xAxisNumeric(f: Frame, ticks: number[], label: string | undefined): string[] {
  const base = M.top + f.plotH;
  const out = ticks.map(
    (t) =>
      `<line x1="${f.sx(t).toFixed(1)}" x2="${f.sx(t).toFixed(1)}" y1="${base}" y2="${base + 4}" stroke="#333"/>` +
      `<text x="${f.sx(t).toFixed(1)}" y="${base + 18}" text-anchor="middle">${escapeXml(fmtDefault(t))}</text>`,
  );
  out.push(`<line x1="${M.left}" x2="${M.left + f.plotW}" y1="${base}" y2="${base}" stroke="#333"/>`);
  if (label) out.push(`<text x="${M.left + f.plotW / 2}" y="${f.height - 16}" text-anchor="middle">${escapeXml(label)}</text>`);
  return out;
}

function legend(f: Frame, names: string[], colors: string[]): string[] {
  return names.map((n, i) => {
    const x = M.left + 8 + i * 180;
    return `<rect x="${x}" y="32" width="10" height="10" fill="${colors[i]}"/><text x="${x + 14}" y="41">${escapeXml(n)}</text>`;
  });
}

function referenceLines(f: Frame, lines: { y: number; label: string }[] | undefined): string[] {
  return (lines ?? []).map(
    (l) =>
      `<line x1="${M.left}" x2="${M.left + f.plotW}" y1="${f.sy(l.y).toFixed(1)}" y2="${f.sy(l.y).toFixed(1)}" stroke="#c00" stroke-dasharray="6 4"/>` +
      `<text x="${M.left + f.plotW - 4}" y="${(f.sy(l.y) - 4).toFixed(1)}" text-anchor="end" fill="#c00">${escapeXml(l.label)}</text>`,
  );
}

export function barChart(spec: BarChartSpec): string {
  const fmt = spec.format ?? fmtDefault;
  const all = [0, ...spec.series.flatMap((s) => s.values), ...(spec.referenceLines ?? []).map((l) => l.y)];
  const ticks = niceTicks(Math.min(...all), Math.max(...all) * 1.1);
  const f = frame(spec.width ?? 720, spec.height ?? 420, [0, 1], [ticks[0]!, ticks[ticks.length - 1]!]);
  const colors = spec.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]!);
  const out = open(f, spec.title);
  out.push(...yAxis(f, ticks, spec.yLabel, fmt));
  const groupW = f.plotW / Math.max(1, spec.categories.length);
  const barW = (groupW * 0.7) / Math.max(1, spec.series.length);
  const base = f.sy(Math.max(0, ticks[0]!));
  spec.categories.forEach((cat, ci) => {
    const gx = M.left + ci * groupW + groupW * 0.15;
    spec.series.forEach((s, si) => {
      const v = s.values[ci] ?? 0;
      const y = f.sy(v);
      const x = gx + si * barW;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${Math.min(y, base).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.abs(base - y).toFixed(1)}" fill="${colors[si]}"><title>${escapeXml(`${s.name} · ${cat}: ${fmt(v)}`)}</title></rect>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(Math.min(y, base) - 4).toFixed(1)}" text-anchor="middle" font-size="11">${escapeXml(fmt(v))}</text>`,
      );
    });
    out.push(`<text x="${(M.left + ci * groupW + groupW / 2).toFixed(1)}" y="${M.top + f.plotH + 18}" text-anchor="middle">${escapeXml(cat)}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${M.left + f.plotW}" y1="${base}" y2="${base}" stroke="#333"/>`);
  out.push(...referenceLines(f, spec.referenceLines));
  if (spec.series.length > 1) out.push(...legend(f, spec.series.map((s) => s.name), colors));
  out.push('</svg>');
  return out.join('\n');
}

function extent(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

export function scatterChart(spec: ScatterChartSpec): string {
  const xt = niceTicks(...extent(spec.points.map((p) => p.x)));
  const yt = niceTicks(...extent(spec.points.map((p) => p.y)));
  const f = frame(spec.width ?? 720, spec.height ?? 420, [xt[0]!, xt[xt.length - 1]!], [yt[0]!, yt[yt.length - 1]!]);
  const names = [...new Set(spec.points.map((p) => p.series ?? ''))];
  const colors = names.map((_, i) => PALETTE[i % PALETTE.length]!);
  const out = open(f, spec.title);
  out.push(...yAxis(f, yt, spec.yLabel, fmtDefault), ...xAxisNumeric(f, xt, spec.xLabel));
  for (const p of spec.points) {
    const color = colors[names.indexOf(p.series ?? '')]!;
    const cx = f.sx(p.x).toFixed(1);
    const cy = f.sy(p.y).toFixed(1);
    out.push(`<circle cx="${cx}" cy="${cy}" r="4" fill="${color}" fill-opacity="0.8"><title>${escapeXml(`${p.label ?? ''} (${p.x}, ${p.y})`)}</title></circle>`);
    if (p.label) out.push(`<text x="${(Number(cx) + 6).toFixed(1)}" y="${(Number(cy) - 6).toFixed(1)}" font-size="10">${escapeXml(p.label)}</text>`);
  }
  if (names.length > 1 || names[0] !== '') out.push(...legend(f, names, colors));
  out.push('</svg>');
  return out.join('\n');
}

export function lineChart(spec: LineChartSpec): string {
  const pts = spec.series.flatMap((s) => s.points);
  const xt = niceTicks(...extent(pts.map((p) => p.x)));
  const yt = niceTicks(...extent([...pts.map((p) => p.y), ...(spec.referenceLines ?? []).map((l) => l.y)]));
  const f = frame(spec.width ?? 720, spec.height ?? 420, [xt[0]!, xt[xt.length - 1]!], [yt[0]!, yt[yt.length - 1]!]);
  const colors = spec.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]!);
  const out = open(f, spec.title);
  out.push(...yAxis(f, yt, spec.yLabel, fmtDefault), ...xAxisNumeric(f, xt, spec.xLabel));
  spec.series.forEach((s, i) => {
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${f.sx(p.x).toFixed(1)},${f.sy(p.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${colors[i]}" stroke-width="2"/>`);
  });
  out.push(...referenceLines(f, spec.referenceLines));
  out.push(...legend(f, spec.series.map((s) => s.name), colors));
  out.push('</svg>');
  return out.join('\n');
}
