import * as ort from 'onnxruntime-node';
import type { ModelUsage } from '../vocabulary';
import { recordCall } from './accounting';
import type { KvLayout, ModelSession } from './model-session';

/**
 * Past keys/values of a batch: per layer a key and a value tensor
 * [rows, heads, past, headDim] plus the attention mask [rows, past]. Slots with
 * mask 0 are holes (pads fed by rows that had nothing to feed); positions come
 * from position_ids, so holes cost memory only. Immutable: a forward pass
 * returns a new batch, so states of earlier batches stay valid.
 */
export class KvBatch {
  private constructor(
    readonly layout: KvLayout,
    readonly rows: number,
    readonly past: number,
    /** k0, v0, k1, v1, ... */
    readonly tensors: readonly ort.Tensor[],
    readonly mask: Uint8Array,
  ) {}

  static create(layout: KvLayout, rows: number, past: number, tensors: readonly ort.Tensor[], mask: Uint8Array): KvBatch {
    return new KvBatch(layout, rows, past, tensors, mask);
  }

  static empty(layout: KvLayout, rows: number): KvBatch {
    const dims = [rows, layout.heads, 0, layout.headDim];
    const tensors = Array.from({ length: layout.layers * 2 }, () => new ort.Tensor('float32', new Float32Array(0), dims));
    return new KvBatch(layout, rows, 0, tensors, new Uint8Array(0));
  }
}

/** One row of a batch; null = nothing encoded yet. */
export interface KvRow {
  readonly batch: KvBatch;
  readonly row: number;
}

/**
 * Builds a batch whose row i is rows[i] (rows may repeat or come from different
 * batches). When rows are exactly 0..n-1 of one batch the tensors are reused
 * as they are; otherwise rows are copied, shorter pasts padded with holes.
 */
export function gatherRows(layout: KvLayout, rows: readonly (KvRow | null)[]): KvBatch {
  const first = rows[0]?.batch;
  if (first && first.rows === rows.length && rows.every((r, i) => r !== null && r.batch === first && r.row === i)) return first;
  if (rows.every((r) => r === null)) return KvBatch.empty(layout, rows.length);
  const past = Math.max(...rows.map((r) => r?.batch.past ?? 0));
  const { heads, headDim } = layout;
  const rowSize = heads * past * headDim;
  const tensors: ort.Tensor[] = [];
  for (let t = 0; t < layout.layers * 2; t++) {
    const dst = allocUninitialised(rows.length * rowSize);
    rows.forEach((r, i) => {
      if (!r) {
        dst.fill(0, i * rowSize, (i + 1) * rowSize);
        return;
      }
      const src = r.batch.tensors[t]!.data as Float32Array;
      const srcPast = r.batch.past;
      if (srcPast === past) {
        dst.set(src.subarray(r.row * rowSize, (r.row + 1) * rowSize), i * rowSize);
      } else {
        const srcRow = heads * srcPast * headDim;
        for (let h = 0; h < heads; h++) {
          const from = r.row * srcRow + h * srcPast * headDim;
          const to = i * rowSize + h * past * headDim;
          dst.set(src.subarray(from, from + srcPast * headDim), to);
          // Hole slots are masked, but must hold finite values: NaN garbage would poison the softmax.
          dst.fill(0, to + srcPast * headDim, to + past * headDim);
        }
      }
    });
    tensors.push(new ort.Tensor('float32', dst, [rows.length, heads, past, headDim]));
  }
  const mask = new Uint8Array(rows.length * past);
  rows.forEach((r, i) => {
    if (r) mask.set(r.batch.mask.subarray(r.row * r.batch.past, (r.row + 1) * r.batch.past), i * past);
  });
  return KvBatch.create(layout, rows.length, past, tensors, mask);
}

/** Every element is written by the caller; skipping the zero-fill saves ~30 % of a gather. */
function allocUninitialised(length: number): Float32Array {
  const bytes = Buffer.allocUnsafeSlow(length * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, length);
}

export interface FeedRow {
  /** Tokens appended to this row (may be empty: the row feeds a masked pad). */
  readonly tokens: readonly number[];
  /** Position id of tokens[0] (= real tokens already in the row's KV). */
  readonly pos: number;
  /** How many of `tokens` belong to the prompt (accounting). */
  readonly promptTokens: number;
}

export interface ForwardResult {
  readonly batch: KvBatch;
  /** logits [rows, seq, vocab] or PRM scores [rows, seq]. */
  readonly output: Float32Array;
  readonly seq: number;
  /** Values per (row, seq) position: vocab size, or 1 for scores. */
  readonly width: number;
}

/** One batched forward pass appending each row's tokens (right-padded with masked pads). */
export async function forward(session: ModelSession, batch: KvBatch, feed: readonly FeedRow[], pad: number, usage: ModelUsage): Promise<ForwardResult> {
  const rows = feed.length;
  if (rows !== batch.rows) throw new Error(`feed has ${rows} rows, KV batch has ${batch.rows}`);
  const seq = Math.max(1, ...feed.map((f) => f.tokens.length));
  const past = batch.past;
  const total = past + seq;
  const maxPos = session.maxPositions - 1;
  const ids = new BigInt64Array(rows * seq);
  const positions = new BigInt64Array(rows * seq);
  const attention = new BigInt64Array(rows * total);
  const mask = new Uint8Array(rows * total);
  let promptTokens = 0;
  let tokens = 0;
  for (let r = 0; r < rows; r++) {
    const f = feed[r]!;
    mask.set(batch.mask.subarray(r * past, (r + 1) * past), r * total);
    for (let j = 0; j < seq; j++) {
      const real = j < f.tokens.length;
      ids[r * seq + j] = BigInt(real ? f.tokens[j]! : pad);
      // Clamped so an over-long row can never index past the position table.
      positions[r * seq + j] = BigInt(Math.min(f.pos + j, maxPos));
      mask[r * total + past + j] = real ? 1 : 0;
    }
    tokens += f.tokens.length;
    promptTokens += f.promptTokens;
  }
  for (let i = 0; i < mask.length; i++) attention[i] = mask[i] ? 1n : 0n;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [rows, seq]),
    attention_mask: new ort.Tensor('int64', attention, [rows, total]),
    position_ids: new ort.Tensor('int64', positions, [rows, seq]),
  };
  const { layers } = batch.layout;
  for (let l = 0; l < layers; l++) {
    feeds[`past_key_values.${l}.key`] = batch.tensors[2 * l]!;
    feeds[`past_key_values.${l}.value`] = batch.tensors[2 * l + 1]!;
  }
  const started = performance.now();
  const out = await session.run(feeds);
  recordCall(usage, promptTokens, tokens - promptTokens, performance.now() - started);
  const present: ort.Tensor[] = [];
  for (let l = 0; l < layers; l++) present.push(out[`present.${l}.key`]!, out[`present.${l}.value`]!);
  const output = out[session.outputName]!;
  const data = output.data as Float32Array;
  return {
    batch: KvBatch.create(batch.layout, rows, total, present, mask),
    output: data,
    seq,
    width: data.length / (rows * seq),
  };
}

/** Output vector at (row, index) of a forward result (a view, not a copy). */
export function outputAt(result: ForwardResult, row: number, index: number): Float32Array {
  const offset = (row * result.seq + index) * result.width;
  return result.output.subarray(offset, offset + result.width);
}

