import { NotFoundError, ValidationError } from '../errors';
import { adjustPValues, sampleRatioMismatch, SRM_P_THRESHOLD, type AdjustMethod, type Histogram } from './stats';
import { LATENCY_BUCKET_BOUNDS, LATENCY_BUCKET_COUNT, LATENCY_BUCKET_LOWER_BOUNDS } from './latency-buckets';
import type { ExperimentRef, Granularity, HistRange, KpiRepository, RollupFilter, TimeCell, VariantSums } from './kpi-repository';
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
  type VariantName,
} from './kpi-metrics';

/** Epoch milliseconds (same shape as server/queue's Clock). */
export type Clock = () => number;

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
  variant: VariantName;
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
  variants: Record<VariantName, VariantKpis>;
  comparisons: Comparison[];
  srm: SrmSummary;
  timeseries: TimeseriesPoint[];
  latencyHistogram: { bounds: number[]; lowerBounds: number[]; baseline: number[]; specs: number[] };
  /** How fresh the older part of the data is (see the cache note in createKpiService). */
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
  arms: Record<VariantName, ArmData>;
  kpis: Record<VariantName, VariantKpis>;
}

export interface KpiService {
  results(key: string, options?: ResultsOptions): Promise<ResultsJson>;
  timeseries(key: string, options?: ResultsOptions): Promise<TimeseriesJson>;
  stageData(key: string, stage?: number): Promise<StageData>;
  /** Drops cached settled cells (tests, or after a backfill). */
  invalidate(key?: string): void;
}

export interface KpiCacheOptions {
  /** Time buckets that ended this long ago are treated as settled and cached. */
  settleMs: number;
  /** Settled cells older than this are recomputed (in the background while the stale copy is served). */
  ttlMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRANULARITY_MS: Record<Granularity, number> = { minute: 60_000, hour: HOUR, day: DAY };
/** Cap on time points per variant so a mistaken `granularity=minute` over weeks is a 400, not a slow query. */
const MAX_POINTS = 5000;

export const HISTOGRAM_EDGES: number[] = [0, ...LATENCY_BUCKET_BOUNDS];

function autoGranularity(spanMs: number): Granularity {
  if (spanMs <= 6 * HOUR) return 'minute';
  if (spanMs <= 14 * DAY) return 'hour';
  return 'day';
}

const floorTo = (t: number, g: Granularity) => {
  if (g === 'day') return Math.floor(t / DAY) * DAY;
  return Math.floor(t / GRANULARITY_MS[g]) * GRANULARITY_MS[g];
};

interface CacheEntry {
  settledUntil: number;
  computedAt: number;
  cells: TimeCell[];
  refreshing?: Promise<void>;
}

/**
 * KPI queries over the per-minute rollup. Results over 10M requests mean ~20k
 * rollup rows × 354 histogram buckets; merging those dominates the call, so the
 * cells of time buckets that closed more than `settleMs` ago are cached per
 * (experiment, stage, granularity) and refreshed in the background after
 * `ttlMs` (stale-while-revalidate). Every call still reads the unsettled tail
 * fresh, so new traffic shows at once; only late corrections to old minutes
 * (feedback labels) can be up to `ttlMs` late. The gate (`stageData`) never
 * uses the cache.
 */
export function createKpiService(deps: { repo: KpiRepository; clock: Clock; cache?: Partial<KpiCacheOptions> | false }): KpiService {
  const { repo, clock } = deps;
  const cacheOpts: KpiCacheOptions | null = deps.cache === false ? null : { settleMs: 2 * 60_000, ttlMs: 60_000, ...(deps.cache ?? {}) };
  const cache = new Map<string, CacheEntry>();
  // Per experiment: the histogram positions ever seen occupied (widened). Summing only those is
  // ~3x cheaper; every read is checked (each rollup row's histogram sums to its n), so a hint
  // that misses new data costs one extra full read, never a wrong number.
  const hints = new Map<string, HistRange | 'off'>();

  const complete = (cells: TimeCell[]) => cells.every((c) => c.hist.reduce((a, b) => a + b, 0) === c.n);

  async function readCells(filter: RollupFilter, g: Granularity): Promise<TimeCell[]> {
    const hint = hints.get(filter.experiment);
    if (hint && hint !== 'off') {
      const cells = await repo.cells(filter, g, LATENCY_BUCKET_COUNT, hint);
      if (complete(cells)) return cells;
    }
    const cells = await repo.cells(filter, g, LATENCY_BUCKET_COUNT);
    if (!complete(cells)) {
      hints.set(filter.experiment, 'off');
      return cells;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of cells) {
      for (let i = 0; i < c.hist.length; i++) {
        if (c.hist[i]! > 0) {
          if (i < lo) lo = i;
          if (i > hi) hi = i;
        }
      }
    }
    if (hi >= lo) {
      const prev = hint && hint !== 'off' ? hint : { lo, hi };
      // Half a doubling of slack on each side absorbs ordinary drift without a miss.
      const slack = 8;
      hints.set(filter.experiment, { lo: Math.max(0, Math.min(prev.lo, lo - slack)), hi: Math.min(LATENCY_BUCKET_COUNT - 1, Math.max(prev.hi, hi + slack)) });
    }
    return cells;
  }

  const experimentOrThrow = async (key: string): Promise<ExperimentRef> => {
    const e = await repo.findExperiment(key);
    if (!e) throw new NotFoundError(`experiment ${key}`, 'params.key');
    return e;
  };

  const resolveStage = (e: ExperimentRef, s: StageSelector | undefined): StageSelector => (s === undefined ? e.stage : s);

  /** Settled cells from cache (refreshing in the background when stale) + the fresh tail from the DB. */
  async function loadCells(filter: RollupFilter, g: Granularity): Promise<{ cells: TimeCell[]; settledUntil: number | null; settledAgeMs: number | null }> {
    const now = clock();
    // Explicit ranges (from/to) are rare, so they skip the cache instead of complicating its key.
    if (!cacheOpts || filter.from || filter.to) {
      return { cells: await readCells(filter, g), settledUntil: null, settledAgeMs: null };
    }
    const key = `${filter.experiment}\u0000${filter.stage ?? 'all'}\u0000${g}`;
    const settledUntil = floorTo(now - cacheOpts.settleMs, g);
    const compute = async (): Promise<CacheEntry> => {
      const cells = await readCells({ ...filter, to: new Date(settledUntil) }, g);
      const entry: CacheEntry = { settledUntil, computedAt: clock(), cells };
      cache.set(key, entry);
      return entry;
    };
    let entry = cache.get(key);
    if (!entry) {
      const [fresh, tail] = await Promise.all([compute(), readCells({ ...filter, from: new Date(settledUntil) }, g)]);
      return { cells: [...fresh.cells, ...tail], settledUntil, settledAgeMs: 0 };
    }
    if (now - entry.computedAt > cacheOpts.ttlMs && !entry.refreshing) {
      const stale = entry;
      stale.refreshing = compute()
        .then(() => undefined)
        .catch(() => {
          cache.delete(key);
        })
        .finally(() => {
          stale.refreshing = undefined;
        });
    }
    const tail = await readCells({ ...filter, from: new Date(entry.settledUntil) }, g);
    return { cells: [...entry.cells, ...tail], settledUntil: entry.settledUntil, settledAgeMs: now - entry.computedAt };
  }

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

  function mergeArms(cells: TimeCell[]): Record<VariantName, ArmData> & { byStage: Map<number, Record<VariantName, number>> } {
    const arms = {
      baseline: { sums: emptySums('baseline'), histogram: { bounds: HISTOGRAM_EDGES, counts: new Array<number>(LATENCY_BUCKET_COUNT).fill(0) } },
      specs: { sums: emptySums('specs'), histogram: { bounds: HISTOGRAM_EDGES, counts: new Array<number>(LATENCY_BUCKET_COUNT).fill(0) } },
    };
    const byStage = new Map<number, Record<VariantName, number>>();
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

  async function srmSummary(e: ExperimentRef, byStage: Map<number, Record<VariantName, number>>): Promise<SrmSummary> {
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
    const merged = new Map<string, { bucket: Date; variant: VariantName; sums: VariantSums; hist: number[] }>();
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
        accuracy: m.sums.graded > 0 ? m.sums.correct / m.sums.graded : null,
        latencyMean: m.sums.n > 0 ? m.sums.latencySum / m.sums.n : null,
        latencyP95: histogramQuantile({ bounds: HISTOGRAM_EDGES, counts: m.hist }, 0.95),
        costPerRequest: m.sums.n > 0 ? m.sums.costSum / m.sums.n : null,
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
      const { cells, settledUntil, settledAgeMs } = await loadCells(filter, granularity);
      const arms = mergeArms(cells);
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
        timeseries: timeseriesPoints(cells),
        latencyHistogram: {
          bounds: [...LATENCY_BUCKET_BOUNDS],
          lowerBounds: [...LATENCY_BUCKET_LOWER_BOUNDS],
          baseline: arms.baseline.histogram.counts,
          specs: arms.specs.histogram.counts,
        },
        cache: { settledUntil: settledUntil === null ? null : new Date(settledUntil).toISOString(), settledAgeMs },
      };
    },

    async timeseries(key, options = {}) {
      const e = await experimentOrThrow(key);
      const stage = resolveStage(e, options.stage);
      const filter: RollupFilter = { experiment: e.key, stage: stage === 'all' ? null : stage, from: options.from, to: options.to };
      const granularity = await chooseGranularity(filter, options.granularity);
      const { cells } = await loadCells(filter, granularity);
      return { experiment: e.key, stage, granularity, generatedAt: new Date(clock()).toISOString(), timeseries: timeseriesPoints(cells) };
    },

    async stageData(key, stageArg) {
      const e = await experimentOrThrow(key);
      const stage = stageArg ?? e.stage;
      // Day cells: the gate needs totals only, and a stage rarely spans many days.
      const cells = await readCells({ experiment: e.key, stage }, 'day');
      const arms = mergeArms(cells);
      const shares = await repo.stageShares(e.id);
      return {
        experiment: e,
        stage,
        expectedShare: shares.get(stage) ?? e.specsShare,
        arms: { baseline: arms.baseline, specs: arms.specs },
        kpis: { baseline: variantKpis(arms.baseline), specs: variantKpis(arms.specs) },
      };
    },

    invalidate(key) {
      if (key === undefined) cache.clear();
      else for (const k of cache.keys()) if (k.startsWith(`${key}\u0000`)) cache.delete(k);
    },
  };
}

export type { Histogram, VariantKpis, Comparison };
export { VARIANTS };
