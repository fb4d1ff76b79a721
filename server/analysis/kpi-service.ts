import type { Clock, VariantKey } from '../vocabulary';
import { NotFoundError, ValidationError } from '../errors';
import { kpiOf } from './outcome';
import { adjustPValues, sampleRatioMismatch, SRM_P_THRESHOLD, type AdjustMethod, type Histogram } from './stats';
import { LATENCY_BUCKET_BOUNDS, LATENCY_BUCKET_COUNT, LATENCY_BUCKET_LOWER_BOUNDS } from './latency-buckets';
import { createCellReader, GRANULARITY_MS, type KpiCacheOptions } from './kpi-cell-cache';
import type { ExperimentRef, Granularity, KpiRepository, RollupFilter, TimeCell, VariantSums } from './kpi-repository';
import type { UnitSums } from './rollup-sums';
import {
  addCounts,
  addSums,
  compareArms,
  emptySums,
  histogramQuantile,
  variantKpis,
  VARIANTS,
  type ArmData,
  type Comparison,
  type DifferenceMode,
  type VariantKpis,
} from './kpi-metrics';

/** Epoch milliseconds (same shape as server/queue's Clock). */

export type StageSelector = number | 'all';

export interface ResultsOptions {
  /** Analysis stage (the `stage` column), 'all', or omitted for the experiment's current stage. */
  stage?: StageSelector;
  alpha?: number;
  /** Confidence sequences instead of fixed-horizon intervals: safe to look at repeatedly. */
  sequential?: boolean;
  adjust?: AdjustMethod;
  difference?: DifferenceMode;
  /** Timeseries resolution; default from the data's span. */
  granularity?: Granularity;
  from?: Date;
  to?: Date;
}

export interface SrmSummary {
  pValue: number;
  flagged: boolean;
  observed: { baseline: number; specs: number };
  /** Expected SPECS fraction of traffic (n-weighted across stages for stage=all). */
  expectedShare: number | null;
  chiSquare: number;
  threshold: number;
  insufficient?: true;
  reason?: string;
}

export interface TimeseriesPoint {
  bucket: string;
  variant: VariantKey;
  n: number;
  accuracy: number | null;
  latencyMean: number | null;
  latencyP95: number | null;
  costPerRequest: number | null;
  graded: number;
}

export interface ResultsJson {
  experiment: string;
  stage: StageSelector;
  currentStage: number;
  generatedAt: string;
  alpha: number;
  sequential: boolean;
  adjust: AdjustMethod;
  granularity: Granularity;
  variants: Record<VariantKey, VariantKpis>;
  comparisons: Comparison[];
  srm: SrmSummary;
  timeseries: TimeseriesPoint[];
  latencyHistogram: { bounds: number[]; lowerBounds: number[]; baseline: number[]; specs: number[] };
  /** How fresh the older part of the data is (see the cache note in kpi-cell-cache.ts). */
  cache: { settledUntil: string | null; settledAgeMs: number | null };
}

export interface TimeseriesJson {
  experiment: string;
  stage: StageSelector;
  granularity: Granularity;
  generatedAt: string;
  timeseries: TimeseriesPoint[];
}

/** What the rollout gate reads: the raw per-arm data of one analysis stage, uncached. */
export interface StageData {
  experiment: ExperimentRef;
  stage: number;
  expectedShare: number;
  arms: Record<VariantKey, ArmData>;
  /** Per-unit-bucket totals per arm (for variances when units repeat). */
  units: Record<VariantKey, (UnitSums & { unitBucket: number })[]>;
  kpis: Record<VariantKey, VariantKpis>;
}

export interface KpiService {
  results(key: string, options?: ResultsOptions): Promise<ResultsJson>;
  timeseries(key: string, options?: ResultsOptions): Promise<TimeseriesJson>;
  stageData(key: string, stage?: number): Promise<StageData>;
  /** Drops cached settled cells (tests, or after a backfill). */
  invalidate(key?: string): void;
}

/** Cap on time points per variant so a mistaken `granularity=minute` over weeks is a 400, not a slow query. */
const MAX_POINTS = 5000;

export const HISTOGRAM_EDGES: number[] = [0, ...LATENCY_BUCKET_BOUNDS];

function autoGranularity(spanMs: number): Granularity {
  if (spanMs <= 6 * GRANULARITY_MS.hour) return 'minute';
  if (spanMs <= 14 * GRANULARITY_MS.day) return 'hour';
  return 'day';
}

/**
 * KPI queries over the per-minute rollup. `results` and `timeseries` read through
 * the settled-cell cache (kpi-cell-cache.ts); the gate (`stageData`) never uses it.
 */
export function createKpiService(deps: { repo: KpiRepository; clock: Clock; cache?: Partial<KpiCacheOptions> | false }): KpiService {
  const { repo, clock } = deps;
  const cells = createCellReader({
    repo,
    clock,
    cache: deps.cache === false ? null : { settleMs: 2 * 60_000, ttlMs: 60_000, ...(deps.cache ?? {}) },
  });

  const experimentOrThrow = async (key: string): Promise<ExperimentRef> => {
    const e = await repo.findExperiment(key);
    if (!e) throw new NotFoundError(`experiment ${key}`, 'params.key');
    return e;
  };

  const resolveStage = (e: ExperimentRef, s: StageSelector | undefined): StageSelector => (s === undefined ? e.stage : s);

  async function chooseGranularity(filter: RollupFilter, requested: Granularity | undefined): Promise<Granularity> {
    const span = await repo.span(filter);
    const from = filter.from?.getTime() ?? span?.first.getTime();
    const to = filter.to?.getTime() ?? (span ? span.last.getTime() + 60_000 : undefined);
    const spanMs = from !== undefined && to !== undefined ? Math.max(0, to - from) : 0;
    if (!requested) return autoGranularity(spanMs);
    if (spanMs / GRANULARITY_MS[requested] > MAX_POINTS) {
      throw new ValidationError(
        `query.granularity: ${requested} over this range gives more than ${MAX_POINTS} points; use a coarser granularity or narrow from/to`,
        'query.granularity',
      );
    }
    return requested;
  }

  function mergeArms(cells: TimeCell[]): Record<VariantKey, ArmData> & { byStage: Map<number, Record<VariantKey, number>> } {
    const arms = {
      baseline: { sums: emptySums('baseline'), histogram: { bounds: HISTOGRAM_EDGES, counts: new Array<number>(LATENCY_BUCKET_COUNT).fill(0) } },
      specs: { sums: emptySums('specs'), histogram: { bounds: HISTOGRAM_EDGES, counts: new Array<number>(LATENCY_BUCKET_COUNT).fill(0) } },
    };
    const byStage = new Map<number, Record<VariantKey, number>>();
    for (const c of cells) {
      if (c.variant !== 'baseline' && c.variant !== 'specs') continue;
      addSums(arms[c.variant].sums, c);
      addCounts(arms[c.variant].histogram.counts, c.hist);
      const s = byStage.get(c.stage) ?? { baseline: 0, specs: 0 };
      s[c.variant] += c.n;
      byStage.set(c.stage, s);
    }
    return Object.assign(arms, { byStage });
  }

  async function srmSummary(e: ExperimentRef, byStage: Map<number, Record<VariantKey, number>>): Promise<SrmSummary> {
    const shares = await repo.stageShares(e.id);
    let baseline = 0;
    let specs = 0;
    let expectedSpecs = 0;
    for (const [stage, counts] of byStage) {
      const share = shares.get(stage) ?? e.specsShare;
      baseline += counts.baseline;
      specs += counts.specs;
      expectedSpecs += (counts.baseline + counts.specs) * share;
    }
    const total = baseline + specs;
    if (total === 0) {
      const only = byStage.size === 0 ? (shares.get(e.stage) ?? e.specsShare) : null;
      return { pValue: 1, flagged: false, observed: { baseline, specs }, expectedShare: only, chiSquare: 0, threshold: SRM_P_THRESHOLD, insufficient: true, reason: 'no traffic' };
    }
    const r = sampleRatioMismatch([baseline, specs], [total - expectedSpecs, expectedSpecs]);
    const out: SrmSummary = {
      pValue: r.pValue,
      flagged: r.mismatch,
      observed: { baseline, specs },
      expectedShare: expectedSpecs / total,
      chiSquare: Number.isFinite(r.chiSquare) ? r.chiSquare : Number.MAX_VALUE,
      threshold: SRM_P_THRESHOLD,
    };
    if (r.insufficient) {
      out.insufficient = true;
      out.reason = r.reason ?? 'insufficient';
    }
    return out;
  }

  function timeseriesPoints(cells: TimeCell[]): TimeseriesPoint[] {
    // Cells arrive per stage; a time bucket straddling a stage change is merged here.
    const merged = new Map<string, { bucket: Date; variant: VariantKey; sums: VariantSums; hist: number[] }>();
    for (const c of cells) {
      if (c.variant !== 'baseline' && c.variant !== 'specs') continue;
      const k = `${c.bucket.getTime()}|${c.variant}`;
      let m = merged.get(k);
      if (!m) {
        m = { bucket: c.bucket, variant: c.variant, sums: emptySums(c.variant), hist: new Array<number>(LATENCY_BUCKET_COUNT).fill(0) };
        merged.set(k, m);
      }
      addSums(m.sums, c);
      addCounts(m.hist, c.hist);
    }
    return [...merged.values()]
      .sort((a, b) => a.bucket.getTime() - b.bucket.getTime() || a.variant.localeCompare(b.variant))
      .map((m) => ({
        bucket: m.bucket.toISOString(),
        variant: m.variant,
        n: m.sums.n,
        graded: m.sums.graded,
        accuracy: kpiOf.accuracy(m.sums),
        latencyMean: kpiOf.latencyMean(m.sums),
        latencyP95: histogramQuantile({ bounds: HISTOGRAM_EDGES, counts: m.hist }, 0.95),
        costPerRequest: kpiOf.costPerRequest(m.sums),
      }));
  }

  const checkAlpha = (alpha: number) => {
    if (!(alpha > 0 && alpha < 0.5)) throw new ValidationError('query.alpha: must be in (0, 0.5)', 'query.alpha');
    return alpha;
  };

  return {
    async results(key, options = {}) {
      const alpha = checkAlpha(options.alpha ?? 0.05);
      const adjust = options.adjust ?? 'holm';
      const sequential = options.sequential ?? false;
      const e = await experimentOrThrow(key);
      const stage = resolveStage(e, options.stage);
      const filter: RollupFilter = { experiment: e.key, stage: stage === 'all' ? null : stage, from: options.from, to: options.to };
      const granularity = await chooseGranularity(filter, options.granularity);
      const loaded = await cells.load(filter, granularity);
      const arms = mergeArms(loaded.cells);
      const variants = { baseline: variantKpis(arms.baseline, alpha), specs: variantKpis(arms.specs, alpha) };
      const raw = compareArms(arms.baseline, arms.specs, variants, { alpha, sequential, difference: options.difference ?? 'default' });
      const adjusted = adjustPValues(
        raw.map((c) => c.pValue),
        adjust,
      );
      const comparisons: Comparison[] = raw.map((c, i) => {
        const adjustedPValue = c.insufficient ? 1 : adjusted[i]!;
        return { ...c, adjustedPValue, significant: !c.insufficient && adjustedPValue < alpha };
      });
      return {
        experiment: e.key,
        stage,
        currentStage: e.stage,
        generatedAt: new Date(clock()).toISOString(),
        alpha,
        sequential,
        adjust,
        granularity,
        variants,
        comparisons,
        srm: await srmSummary(e, arms.byStage),
        timeseries: timeseriesPoints(loaded.cells),
        latencyHistogram: {
          bounds: [...LATENCY_BUCKET_BOUNDS],
          lowerBounds: [...LATENCY_BUCKET_LOWER_BOUNDS],
          baseline: arms.baseline.histogram.counts,
          specs: arms.specs.histogram.counts,
        },
        cache: { settledUntil: loaded.settledUntil === null ? null : new Date(loaded.settledUntil).toISOString(), settledAgeMs: loaded.settledAgeMs },
      };
    },

    async timeseries(key, options = {}) {
      const e = await experimentOrThrow(key);
      const stage = resolveStage(e, options.stage);
      const filter: RollupFilter = { experiment: e.key, stage: stage === 'all' ? null : stage, from: options.from, to: options.to };
      const granularity = await chooseGranularity(filter, options.granularity);
      const loaded = await cells.load(filter, granularity);
      return { experiment: e.key, stage, granularity, generatedAt: new Date(clock()).toISOString(), timeseries: timeseriesPoints(loaded.cells) };
    },

    async stageData(key, stageArg) {
      const e = await experimentOrThrow(key);
      const stage = stageArg ?? e.stage;
      // Day cells: the gate needs totals only, and a stage rarely spans many days.
      const [merged, shares, buckets] = await Promise.all([
        cells.read({ experiment: e.key, stage }, 'day'),
        repo.stageShares(e.id),
        repo.unitBuckets(e.key, stage),
      ]);
      const arms = mergeArms(merged);
      return {
        experiment: e,
        stage,
        expectedShare: shares.get(stage) ?? e.specsShare,
        arms: { baseline: arms.baseline, specs: arms.specs },
        units: { baseline: buckets.filter((b) => b.variant === 'baseline'), specs: buckets.filter((b) => b.variant === 'specs') },
        kpis: { baseline: variantKpis(arms.baseline), specs: variantKpis(arms.specs) },
      };
    },

    invalidate(key) {
      cells.invalidate(key);
    },
  };
}

export type { Histogram, VariantKpis, Comparison, KpiCacheOptions };
export { VARIANTS };
