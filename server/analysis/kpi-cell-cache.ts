import { LATENCY_BUCKET_COUNT } from './latency-buckets';
import type { Granularity, HistRange, KpiRepository, RollupFilter, TimeCell } from './kpi-repository';

export interface KpiCacheOptions {
  /** Time buckets that ended this long ago are treated as settled and cached. */
  settleMs: number;
  /** Settled cells older than this are recomputed (in the background while the stale copy is served). */
  ttlMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const GRANULARITY_MS: Record<Granularity, number> = { minute: 60_000, hour: HOUR, day: DAY };

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

export interface LoadedCells {
  cells: TimeCell[];
  settledUntil: number | null;
  settledAgeMs: number | null;
}

export interface CellReader {
  /** Cells straight from the repository (uncached). */
  read(filter: RollupFilter, g: Granularity): Promise<TimeCell[]>;
  /** Settled cells from cache (refreshing in the background when stale) + the fresh tail from the DB. */
  load(filter: RollupFilter, g: Granularity): Promise<LoadedCells>;
  invalidate(experiment?: string): void;
}

/**
 * Reads rollup cells for the KPI service. Results over 10M requests mean ~20k
 * rollup rows × 354 histogram buckets; merging those dominates the call, so the
 * cells of time buckets that closed more than `settleMs` ago are cached per
 * (experiment, stage, granularity) and refreshed in the background after
 * `ttlMs` (stale-while-revalidate). Every call still reads the unsettled tail
 * fresh, so new traffic shows at once; only late corrections to old minutes
 * (feedback labels) can be up to `ttlMs` late. `cache: null` disables caching.
 */
export function createCellReader(deps: { repo: KpiRepository; clock: () => number; cache: KpiCacheOptions | null }): CellReader {
  const { repo, clock, cache: cacheOpts } = deps;
  const cache = new Map<string, CacheEntry>();
  // Per experiment: the histogram positions ever seen occupied (widened). Summing only those is
  // ~3x cheaper; every read is checked (each rollup row's histogram sums to its n), so a hint
  // that misses new data costs one extra full read, never a wrong number.
  const hints = new Map<string, HistRange | 'off'>();

  const complete = (cells: TimeCell[]) => cells.every((c) => c.hist.reduce((a, b) => a + b, 0) === c.n);

  async function read(filter: RollupFilter, g: Granularity): Promise<TimeCell[]> {
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

  async function load(filter: RollupFilter, g: Granularity): Promise<LoadedCells> {
    const now = clock();
    // Explicit ranges (from/to) are rare, so they skip the cache instead of complicating its key.
    if (!cacheOpts || filter.from || filter.to) {
      return { cells: await read(filter, g), settledUntil: null, settledAgeMs: null };
    }
    const key = `${filter.experiment}\u0000${filter.stage ?? 'all'}\u0000${g}`;
    const settledUntil = floorTo(now - cacheOpts.settleMs, g);
    const compute = async (): Promise<CacheEntry> => {
      const cells = await read({ ...filter, to: new Date(settledUntil) }, g);
      const entry: CacheEntry = { settledUntil, computedAt: clock(), cells };
      cache.set(key, entry);
      return entry;
    };
    const entry = cache.get(key);
    if (!entry) {
      const [fresh, tail] = await Promise.all([compute(), read({ ...filter, from: new Date(settledUntil) }, g)]);
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
    const tail = await read({ ...filter, from: new Date(entry.settledUntil) }, g);
    return { cells: [...entry.cells, ...tail], settledUntil: entry.settledUntil, settledAgeMs: now - entry.computedAt };
  }

  return {
    read,
    load,
    invalidate(experiment) {
      if (experiment === undefined) cache.clear();
      else for (const k of cache.keys()) if (k.startsWith(`${experiment}\u0000`)) cache.delete(k);
    },
  };
}
