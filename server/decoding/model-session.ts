import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { ModelLoadError } from './errors';
import type { ModelRole } from '../vocabulary';

const manifestModel = z.object({
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  kind: z.enum(['lm', 'prm']),
  layers: z.number().int().positive().optional(),
  heads: z.number().int().positive().optional(),
  headDim: z.number().int().positive().optional(),
  maxPositions: z.number().int().positive().optional(),
});
const manifestSchema = z.object({
  vocab: z.string().default('vocab.json'),
  vocabSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  provisional: z.boolean().optional(),
  models: z.object({ draft: manifestModel, target: manifestModel, prm: manifestModel }),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface KvLayout {
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
}

export interface ModelSession {
  readonly role: ModelRole;
  readonly file: string;
  readonly kind: 'lm' | 'prm';
  readonly layout: KvLayout;
  readonly maxPositions: number;
  readonly outputName: 'logits' | 'scores';
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

export interface SessionOptions {
  /** Threads inside one operator (1 or 2 on this machine). */
  readonly intraOpThreads: number;
}

const DEFAULT_MAX_POSITIONS = 256;

/**
 * The context all three models share (tokens), from the manifest alone, for processes that
 * validate questions without loading the models (the API in front of BullMQ workers);
 * undefined when there is no readable manifest.
 */
export function readModelContext(modelsDir: string): number | undefined {
  try {
    const m = manifestSchema.parse(JSON.parse(readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8')));
    return Math.min(...(['draft', 'target', 'prm'] as const).map((r) => m.models[r].maxPositions ?? DEFAULT_MAX_POSITIONS));
  } catch {
    return undefined;
  }
}

export async function loadManifest(modelsDir: string): Promise<Manifest> {
  const file = path.join(modelsDir, 'manifest.json');
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    throw new ModelLoadError(file, `the file cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return manifestSchema.parse(JSON.parse(raw));
  } catch (e) {
    throw new ModelLoadError(file, `the manifest is malformed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
}

/** Loads one model once, checking its sha256 against the manifest and its KV contract. */
export async function loadModelSession(modelsDir: string, manifest: Manifest, role: ModelRole, options: SessionOptions): Promise<ModelSession> {
  const entry = manifest.models[role];
  const file = path.join(modelsDir, entry.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelLoadError(file, code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code ?? String(e)})`);
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== entry.sha256) {
    throw new ModelLoadError(file, `sha256 ${digest.slice(0, 12)}… does not match models/manifest.json (${entry.sha256.slice(0, 12)}…): the file is corrupt or stale`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
  } catch (e) {
    throw new ModelLoadError(file, `onnxruntime rejected it (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  const outputName = entry.kind === 'prm' ? 'scores' : 'logits';
  const layout = readLayout(session, file, entry);
  if (!session.outputNames.includes(outputName)) {
    await session.release();
    throw new ModelLoadError(file, `it has no "${outputName}" output`);
  }
  return {
    role,
    file,
    kind: entry.kind,
    layout,
    maxPositions: entry.maxPositions ?? DEFAULT_MAX_POSITIONS,
    outputName,
    run: (feeds) => session.run(feeds) as Promise<Record<string, ort.Tensor>>,
    release: () => session.release(),
  };
}

/** Layer count from the input names; heads / head dim from the input metadata, else the manifest. */
function readLayout(session: ort.InferenceSession, file: string, entry: z.infer<typeof manifestModel>): KvLayout {
  const layers = session.inputNames.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
  if (layers === 0) throw new ModelLoadError(file, 'it has no past_key_values inputs (not a decoder-with-past export)');
  const meta = (session as unknown as { inputMetadata?: readonly { name: string; shape?: readonly (number | string)[] }[] }).inputMetadata;
  const shape = meta?.find((m) => m.name === 'past_key_values.0.key')?.shape;
  const heads = typeof shape?.[1] === 'number' ? shape[1] : entry.heads;
  const headDim = typeof shape?.[3] === 'number' ? shape[3] : entry.headDim;
  if (!heads || !headDim) throw new ModelLoadError(file, 'cannot tell its head count / head size');
  if (entry.layers !== undefined && entry.layers !== layers) {
    throw new ModelLoadError(file, `it has ${layers} layers, models/manifest.json says ${entry.layers}`);
  }
  return { layers, heads, headDim };
}
