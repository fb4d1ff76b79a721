import type { Prisma, PrismaClient } from '../generated/prisma/client';
import type { VariantKey } from '../vocabulary';
import type { ApiKeyRecord, AuditEntry, Experiment, ExperimentStatus, Role, VariantConfig } from './experiment-types';

/** The only file in experiments/ that touches Prisma. Every mutation writes audit_log + share_history in one transaction. */
export interface ExperimentsRepository {
  list(): Promise<Experiment[]>;
  get(key: string): Promise<Experiment | null>;
  create(input: NewExperiment, audit: AuditInput): Promise<Experiment>;
  /** Applies a change to an existing experiment; `fn` sees the current row inside the transaction (row-locked). */
  update(key: string, fn: (current: Experiment) => ExperimentChange, actor: string): Promise<{ before: Experiment; after: Experiment }>;
  audit(key: string, limit: number): Promise<AuditEntry[]>;
  createApiKey(input: { name: string; role: Role; keyHash: string; prefix: string; createdBy: string }): Promise<ApiKeyRecord>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  revokeApiKey(id: string, actor: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  ping(): Promise<void>;
}

export interface NewExperiment {
  key: string;
  name: string;
  description: string;
  status: ExperimentStatus;
  specsShare: number;
  hashSeed: string;
  variants: Record<VariantKey, VariantConfig>;
}

export interface AuditInput {
  actor: string;
}

export interface ExperimentChange {
  action: string;
  status?: ExperimentStatus;
  specsShare?: number;
  /** share_history row written with the change. */
  history: { specsShare: number; stage: number; reason: string };
}

const include = {
  variants: true,
  shares: { orderBy: [{ at: 'desc' }, { id: 'desc' }], take: 1 },
  _count: { select: { shares: { where: { specsShare: 0, reason: { not: 'create' } } } } },
} satisfies Prisma.ExperimentInclude;

type Row = Prisma.ExperimentGetPayload<{ include: typeof include }>;

function toExperiment(row: Row): Experiment {
  const variant = (key: VariantKey): VariantConfig => {
    const v = row.variants.find((x) => x.key === key);
    return { strategy: (v?.strategy ?? 'beam-target') as VariantConfig['strategy'], params: (v?.params ?? {}) as Record<string, unknown> };
  };
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    status: row.status,
    specsShare: row.specsShare,
    hashSeed: row.hashSeed,
    stage: row.shares[0]?.stage ?? 0,
    stageStartedAt: row.shares[0]?.at ?? row.createdAt,
    bucketVersion: 1 + row._count.shares,
    variants: { baseline: variant('baseline'), specs: variant('specs') },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** JSON snapshot for audit_log.before/after. */
const snapshot = (e: Experiment): Prisma.InputJsonObject => ({
  status: e.status,
  specsShare: e.specsShare,
  stage: e.stage,
  bucketVersion: e.bucketVersion,
  name: e.name,
  variants: e.variants as unknown as Prisma.InputJsonObject,
});

const toApiKey = (r: { id: string; name: string; role: Role; prefix: string; createdBy: string; createdAt: Date; revokedAt: Date | null }): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
  revokedAt: r.revokedAt,
});

export function createExperimentsRepository(prisma: PrismaClient): ExperimentsRepository {
  const load = async (tx: Prisma.TransactionClient, key: string) => {
    const row = await tx.experiment.findUnique({ where: { key }, include });
    return row ? toExperiment(row) : null;
  };

  return {
    async list() {
      const rows = await prisma.experiment.findMany({ include, orderBy: { createdAt: 'asc' } });
      return rows.map(toExperiment);
    },

    get: (key) => load(prisma, key),

    async create(input, audit) {
      return prisma.$transaction(async (tx) => {
        const row = await tx.experiment.create({
          data: {
            key: input.key,
            name: input.name,
            description: input.description,
            status: input.status,
            specsShare: input.specsShare,
            hashSeed: input.hashSeed,
            variants: {
              create: (['baseline', 'specs'] as const).map((k) => ({
                key: k,
                strategy: input.variants[k].strategy,
                params: input.variants[k].params as Prisma.InputJsonObject,
              })),
            },
            shares: { create: { specsShare: input.specsShare, stage: 0, reason: 'create' } },
          },
          include,
        });
        const created = toExperiment(row);
        await tx.auditLog.create({
          data: { actor: audit.actor, action: 'create', entityType: 'experiment', entityKey: input.key, after: snapshot(created) },
        });
        return created;
      });
    },

    async update(key, fn, actor) {
      return prisma.$transaction(async (tx) => {
        // Serialises concurrent changes to one experiment (share ramps racing a pause, two admins).
        // The no-op update takes the row lock (no raw SQL: the schema is the client's, not search_path's).
        const locked = await tx.experiment.updateMany({ where: { key }, data: { updatedAt: new Date() } });
        if (locked.count === 0) throw new MissingExperiment(key);
        const before = (await load(tx, key))!;
        const change = fn(before);
        await tx.experiment.update({
          where: { key },
          data: { status: change.status, specsShare: change.specsShare },
        });
        await tx.shareHistory.create({ data: { experimentId: before.id, ...change.history } });
        const after = (await load(tx, key))!;
        await tx.auditLog.create({
          data: { actor, action: change.action, entityType: 'experiment', entityKey: key, before: snapshot(before), after: snapshot(after) },
        });
        return { before, after };
      });
    },

    async audit(key, limit) {
      const rows = await prisma.auditLog.findMany({
        where: { entityType: 'experiment', entityKey: key },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: limit,
      });
      return rows.map((r) => ({ id: r.id.toString(), at: r.at, actor: r.actor, action: r.action, before: r.before, after: r.after }));
    },

    async createApiKey(input) {
      return prisma.$transaction(async (tx) => {
        const row = await tx.apiKey.create({ data: input });
        await tx.auditLog.create({
          data: { actor: input.createdBy, action: 'create', entityType: 'api_key', entityKey: row.id, after: { name: row.name, role: row.role, prefix: row.prefix } },
        });
        return toApiKey(row);
      });
    },

    async findApiKeyByHash(keyHash) {
      const row = await prisma.apiKey.findUnique({ where: { keyHash } });
      return row ? toApiKey(row) : null;
    },

    async revokeApiKey(id, actor) {
      return prisma.$transaction(async (tx) => {
        const row = await tx.apiKey.findUnique({ where: { id } });
        if (!row) return null;
        if (row.revokedAt) return toApiKey(row);
        const updated = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
        await tx.auditLog.create({
          data: { actor, action: 'revoke', entityType: 'api_key', entityKey: id, before: { revokedAt: null }, after: { revokedAt: updated.revokedAt!.toISOString() } },
        });
        return toApiKey(updated);
      });
    },

    async listApiKeys() {
      const rows = await prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
      return rows.map(toApiKey);
    },

    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
  };
}

/** Thrown inside a transaction to abort it; the service maps it to a NotFoundError. */
export class MissingExperiment extends Error {
  constructor(readonly key: string) {
    super(`experiment ${key} not found`);
  }
}
