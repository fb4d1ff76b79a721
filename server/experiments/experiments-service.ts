import { ConflictError, NotFoundError, ValidationError } from '../errors';
import {
  DEFAULT_VARIANTS,
  actorLabel,
  createExperimentSchema,
  type Actor,
  type AuditEntry,
  type CreateExperimentInput,
  type Experiment,
  type VariantConfig,
} from './experiment-types';
import type { Strategy, VariantKey } from '../vocabulary';
import { MissingExperiment, type ExperimentChange, type ExperimentsRepository } from './experiments-repository';

/** Checks a variant's strategy parameters (the decoder's options schema); throws a ValidationError naming `field`. */
export type ParamsValidator = (strategy: Strategy, params: Record<string, unknown>, field: string) => Record<string, unknown>;

export interface ExperimentsService {
  list(): Promise<Experiment[]>;
  get(key: string, field?: string): Promise<Experiment>;
  create(input: CreateExperimentInput, actor: Actor): Promise<Experiment>;
  setShare(key: string, specsShare: number, actor: Actor, options?: { stage?: number; reason?: string }): Promise<Experiment>;
  pause(key: string, actor: Actor): Promise<Experiment>;
  resume(key: string, actor: Actor): Promise<Experiment>;
  stop(key: string, actor: Actor): Promise<Experiment>;
  audit(key: string, limit?: number): Promise<AuditEntry[]>;
  /** In-memory snapshot for the request path (no DB round trip per request). */
  cached(): readonly Experiment[];
  /** Reloads the snapshot from the database (other API instances may have changed it). */
  refresh(): Promise<readonly Experiment[]>;
  /** Called with the new snapshot after every change or refresh that altered it. */
  onChange(listener: (experiments: readonly Experiment[]) => void): () => void;
  /** The experiment a solve request runs in: the named one, else the most recently created running one. */
  resolveRunning(key: string | undefined, field: string): Promise<Experiment>;
}

export function createExperimentsService(deps: { repo: ExperimentsRepository; validateParams?: ParamsValidator }): ExperimentsService {
  const { repo } = deps;
  let snapshot: readonly Experiment[] = [];
  let fingerprint = '';
  const listeners = new Set<(e: readonly Experiment[]) => void>();

  const publish = (list: readonly Experiment[]) => {
    const next = JSON.stringify(list.map((e) => [e.key, e.status, e.specsShare, e.stage, e.bucketVersion, e.variants]));
    snapshot = Object.freeze([...list]);
    if (next === fingerprint) return;
    fingerprint = next;
    for (const l of listeners) l(snapshot);
  };
  const refresh = async () => {
    publish(await repo.list());
    return snapshot;
  };
  const replaceOne = (e: Experiment) => {
    const others = snapshot.filter((x) => x.key !== e.key);
    publish([...others, e].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()));
  };

  const variant = (key: VariantKey, input: { strategy: Strategy; params: Record<string, unknown> } | undefined): VariantConfig => {
    const base = input ?? DEFAULT_VARIANTS[key];
    const params = { ...base.params };
    const checked = deps.validateParams ? deps.validateParams(base.strategy, params, `body.${key}.params`) : params;
    return { strategy: base.strategy, params: checked };
  };

  const change = async (key: string, actor: Actor, fn: (e: Experiment) => ExperimentChange) => {
    try {
      const { after } = await repo.update(key, fn, actorLabel(actor));
      replaceOne(after);
      return after;
    } catch (e) {
      if (e instanceof MissingExperiment) throw new NotFoundError(`experiment ${key}`, 'params.key');
      throw e;
    }
  };

  const requireStatus = (e: Experiment, allowed: Experiment['status'][], action: string) => {
    if (!allowed.includes(e.status)) throw new ConflictError(`cannot ${action} experiment ${e.key}: it is ${e.status}`, 'params.key');
  };

  return {
    list: () => repo.list(),

    async get(key, field = 'params.key') {
      const e = await repo.get(key);
      if (!e) throw new NotFoundError(`experiment ${key}`, field);
      return e;
    },

    async create(raw, actor) {
      const parsed = createExperimentSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = ['body', ...(issue?.path ?? []).map(String)].join('.');
        throw new ValidationError(`${field}: ${issue?.message ?? 'invalid'}`, field);
      }
      const input = parsed.data;
      if (await repo.get(input.key)) throw new ConflictError(`experiment ${input.key} already exists`, 'body.key');
      try {
        const created = await repo.create(
          {
            key: input.key,
            name: input.name ?? input.key,
            description: input.description ?? '',
            status: input.status,
            specsShare: input.specsShare,
            hashSeed: input.key,
            variants: { baseline: variant('baseline', input.baseline), specs: variant('specs', input.specs) },
          },
          { actor: actorLabel(actor) },
        );
        replaceOne(created);
        return created;
      } catch (e) {
        if ((e as { code?: string }).code === 'P2002') throw new ConflictError(`experiment ${input.key} already exists`, 'body.key');
        throw e;
      }
    },

    setShare(key, specsShare, actor, options = {}) {
      if (!(specsShare >= 0 && specsShare <= 1)) throw new ValidationError('body.specsShare: must be between 0 and 1', 'body.specsShare');
      return change(key, actor, (e) => {
        requireStatus(e, ['draft', 'running', 'paused'], 'change the share of');
        const rollback = specsShare === 0 && e.specsShare > 0;
        return {
          action: 'set-share',
          specsShare,
          history: {
            specsShare,
            // Each share is its own analysis stage: arms are only compared within a constant split.
            stage: options.stage ?? (specsShare === e.specsShare ? e.stage : e.stage + 1),
            reason: options.reason ?? (rollback ? 'rollback' : 'set-share'),
          },
        };
      });
    },

    pause: (key, actor) =>
      change(key, actor, (e) => {
        requireStatus(e, ['running'], 'pause');
        return { action: 'pause', status: 'paused', history: { specsShare: e.specsShare, stage: e.stage, reason: 'pause' } };
      }),

    resume: (key, actor) =>
      change(key, actor, (e) => {
        requireStatus(e, ['running', 'paused', 'draft'], 'resume');
        return { action: 'resume', status: 'running', history: { specsShare: e.specsShare, stage: e.stage, reason: 'resume' } };
      }),

    stop: (key, actor) =>
      change(key, actor, (e) => {
        requireStatus(e, ['draft', 'running', 'paused'], 'stop');
        // A zero-share history row bumps bucketVersion: sticky SPECS buckets end with the experiment.
        return { action: 'stop', status: 'stopped', history: { specsShare: 0, stage: e.stage, reason: 'stop' } };
      }),

    async audit(key, limit = 100) {
      if (!(await repo.get(key))) throw new NotFoundError(`experiment ${key}`, 'params.key');
      return repo.audit(key, limit);
    },

    cached: () => snapshot,
    refresh,

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async resolveRunning(key, field) {
      const pick = () =>
        key === undefined
          ? [...snapshot].reverse().find((e) => e.status === 'running')
          : snapshot.find((e) => e.key === key);
      let found = pick();
      if (!found) {
        await refresh();
        found = pick();
      }
      if (!found) throw new NotFoundError(key === undefined ? 'running experiment' : `experiment ${key}`, field);
      if (found.status !== 'running') throw new ConflictError(`experiment ${found.key} is ${found.status}, not running`, field);
      return found;
    },
  };
}
