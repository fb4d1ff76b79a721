// Checks an exported model against the runtime contract with onnxruntime-node:
// output names, and full-sequence forward == incremental forward with past KV.
// Usage: node scripts/train/verify-onnx.cjs models/draft.onnx [more.onnx ...]
const ort = require('onnxruntime-node');

function tensorI64(rows, dims) {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), dims);
}

async function run(session, ids, mask, pos, past) {
  const b = ids.length;
  const feeds = {
    input_ids: tensorI64(ids, [b, ids[0].length]),
    attention_mask: tensorI64(mask, [b, mask[0].length]),
    position_ids: tensorI64(pos, [b, pos[0].length]),
  };
  for (const [name, t] of Object.entries(past)) feeds[name] = t;
  return session.run(feeds);
}

async function verify(path) {
  const session = await ort.InferenceSession.create(path);
  const layers = session.inputNames.filter((n) => n.endsWith('.key')).length;
  const mainOut = session.outputNames[0];
  const expectOut = [mainOut, ...Array.from({ length: layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat()];
  if (!['logits', 'scores'].includes(mainOut) || JSON.stringify(session.outputNames) !== JSON.stringify(expectOut)) {
    throw new Error(`${path}: unexpected outputs ${session.outputNames}`);
  }
  const expectIn = ['input_ids', 'attention_mask', 'position_ids',
    ...Array.from({ length: layers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat()];
  if (JSON.stringify(session.inputNames) !== JSON.stringify(expectIn)) throw new Error(`${path}: unexpected inputs ${session.inputNames}`);
  // Infer head count / head dim from a 1-token run with empty past.
  const [, H, , hd] = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key').shape;
  const T = 12;
  const { ids, mask, pos, cuts } = mainOut === 'scores' ? prmCase(path) : lmCase();
  const full = await run(session, ids, mask, pos, emptyPast(session, layers, 2, H, hd));
  const V = full[mainOut].dims.length === 3 ? full[mainOut].dims[2] : 1;
  let past = emptyPast(session, layers, 2, H, hd);
  let maxDiff = 0;
  for (let c = 0; c + 1 < cuts.length; c++) {
    const [a, z] = [cuts[c], cuts[c + 1]];
    const out = await run(session, ids.map((r) => r.slice(a, z)), mask.map((r) => r.slice(0, z)), pos.map((r) => r.slice(a, z)), past);
    for (let b = 0; b < 2; b++) for (let t = a; t < z; t++) for (let v = 0; v < V; v++) {
      const x = full[mainOut].data[(b * T + t) * V + v];
      const y = out[mainOut].data[(b * (z - a) + (t - a)) * V + v];
      if (!Number.isFinite(y)) throw new Error(`${path}: non-finite output`);
      maxDiff = Math.max(maxDiff, Math.abs(x - y));
    }
    past = {};
    for (let i = 0; i < layers; i++) {
      past[`past_key_values.${i}.key`] = out[`present.${i}.key`];
      past[`past_key_values.${i}.value`] = out[`present.${i}.value`];
    }
  }
  // A fully-masked row must not produce NaN.
  const dead = await run(session, [[3, 4]], [[0, 0]], [[0, 1]], emptyPast(session, layers, 1, H, hd));
  if (!Array.from(dead[mainOut].data).every(Number.isFinite)) throw new Error(`${path}: NaN on fully masked row`);
  const ok = maxDiff < 1e-4;
  console.log(`${path}: ${mainOut} layers=${layers} heads=${H} headDim=${hd} vocab/out=${V} maxDiff(full vs incremental)=${maxDiff.toExponential(2)} ${ok ? 'OK' : 'FAIL'}`);
  if (!ok) process.exitCode = 1;
}

// Row 0 has a hole at position 4 (a pad written mid-cache), row 1 is left padded.
// Incremental: first 5 tokens, then 1, then the remaining 6.
function lmCase() {
  return {
    ids: [[1, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 13], [0, 0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
    mask: [[1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    pos: [[0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10], [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    cuts: [0, 5, 6, 12],
  };
}

// The PRM scores a line from the tokens of that line in the same call, and the runtime
// starts every call at a line start: so do the cuts here (after each newline). Row 0's
// last call is a line and its <eos>, as the runtime feeds a final step.
function prmCase(path) {
  const vocab = JSON.parse(require('fs').readFileSync(require('path').join(require('path').dirname(path), 'vocab.json'), 'utf8'));
  const nl = vocab.tokens.indexOf('\n');
  return {
    ids: [[1, 5, 6, nl, 0, 7, 8, nl, 9, 10, nl, vocab.eos], [0, 0, 1, nl, 5, 6, 7, nl, 8, 9, nl, 10]],
    mask: [[1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    pos: [[0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10], [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    cuts: [0, 4, 8, 12],
  };
}

function emptyPast(session, layers, b, H, hd) {
  const past = {};
  for (let i = 0; i < layers; i++) for (const kv of ['key', 'value']) {
    past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [b, H, 0, hd]);
  }
  return past;
}

(async () => {
  for (const p of process.argv.slice(2)) await verify(p);
})().catch((e) => { console.error(e.message); process.exit(1); });
