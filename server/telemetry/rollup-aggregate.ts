import { LATENCY_BUCKET_COUNT } from '../analysis/latency-buckets';
import { contribution } from '../analysis/outcome';
import { addSums, unitBucketOf, UNIT_SUM_KEYS, zeroSums, type RollupSums, type UnitSums } from '../analysis/rollup-sums';
import type { RequestLogRow } from './request-log-row';

/** Increments of one per-minute rollup row. */
export interface RollupDelta extends RollupSums {
  experiment: string;
  stage: number;
  variant: string;
  /** Minute start, epoch ms. */
  bucketMs: number;
  latencyHist: number[];
}

/** Increments of one per-unit-bucket rollup row. */
export interface UnitDelta extends UnitSums {
  experiment: string;
  stage: number;
  variant: string;
  unitBucket: number;
}

export interface RollupDeltas {
  minutes: RollupDelta[];
  units: UnitDelta[];
}

/**
 * The rollup increments of signed request rows: +1 for a row written, −1/+1 for the
 * row before and after a late label. Pure; the only way rollups change, so the
 * per-minute and per-unit tables always equal what request_log says (outcome.ts).
 */
export function rollupDeltas(entries: readonly { row: RequestLogRow; sign: 1 | -1 }[]): RollupDeltas {
  const minutes = new Map<string, RollupDelta>();
  const units = new Map<string, UnitDelta>();
  for (const { row: r, sign } of entries) {
    const c = contribution(r);
    const stage = Math.trunc(r.stage);
    const bucketMs = Math.floor(r.receivedAt.getTime() / 60_000) * 60_000;
    const mk = `${r.experiment}\u0000${stage}\u0000${r.variant}\u0000${bucketMs}`;
    let m = minutes.get(mk);
    if (!m) {
      m = { experiment: r.experiment, stage, variant: r.variant, bucketMs, ...zeroSums(), latencyHist: new Array<number>(LATENCY_BUCKET_COUNT).fill(0) };
      minutes.set(mk, m);
    }
    addSums(m, c, sign);
    if (c.latencyBucket !== null) m.latencyHist[c.latencyBucket]! += sign;
    const unitBucket = unitBucketOf(r.unitHash);
    const uk = `${r.experiment}\u0000${stage}\u0000${r.variant}\u0000${unitBucket}`;
    let u = units.get(uk);
    if (!u) {
      u = { experiment: r.experiment, stage, variant: r.variant, unitBucket, ...(Object.fromEntries(UNIT_SUM_KEYS.map((k) => [k, 0])) as unknown as UnitSums) };
      units.set(uk, u);
    }
    for (const k of UNIT_SUM_KEYS) u[k] += sign * c[k];
  }
  const changed = (d: RollupSums | UnitSums) => Object.values(d).some((v) => typeof v === 'number' && v !== 0);
  return {
    minutes: [...minutes.values()].filter((d) => changed(d) || d.latencyHist.some((x) => x !== 0)),
    units: [...units.values()].filter((d) => UNIT_SUM_KEYS.some((k) => d[k] !== 0)),
  };
}

/** Sums deltas that share a key (one upsert may not touch a row twice). */
export function mergeRollupDeltas(parts: readonly RollupDeltas[]): RollupDeltas {
  const minutes = new Map<string, RollupDelta>();
  const units = new Map<string, UnitDelta>();
  for (const part of parts) {
    for (const d of part.minutes) {
      const k = `${d.experiment}\u0000${d.stage}\u0000${d.variant}\u0000${d.bucketMs}`;
      const m = minutes.get(k);
      if (!m) minutes.set(k, { ...d, latencyHist: [...d.latencyHist] });
      else {
        addSums(m, d);
        d.latencyHist.forEach((c, i) => (m.latencyHist[i]! += c));
      }
    }
    for (const d of part.units) {
      const k = `${d.experiment}\u0000${d.stage}\u0000${d.variant}\u0000${d.unitBucket}`;
      const u = units.get(k);
      if (!u) units.set(k, { ...d });
      else for (const key of UNIT_SUM_KEYS) u[key] += d[key];
    }
  }
  return { minutes: [...minutes.values()], units: [...units.values()] };
}

/** Deltas of rows newly written. */
export const aggregateRollup = (rows: readonly RequestLogRow[]): RollupDeltas => rollupDeltas(rows.map((row) => ({ row, sign: 1 })));
