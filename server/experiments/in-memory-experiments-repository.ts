import { randomUUID } from 'node:crypto';
import type { ApiKeyRecord, AuditEntry, Experiment } from './experiment-types';
import { MissingExperiment, type ExperimentsRepository } from './experiments-repository';

/**
 * ExperimentsRepository in memory, with the same semantics as the Prisma one
 * (stage, bucketVersion, audit). For fast HTTP tests in the test app context.
 */
export function createInMemoryExperimentsRepository(): ExperimentsRepository & { history: { key: string; specsShare: number; stage: number; reason: string }[] } {
  const experiments = new Map<string, Experiment>();
  const audit: (AuditEntry & { key: string })[] = [];
  const history: { key: string; specsShare: number; stage: number; reason: string }[] = [];
  const keys = new Map<string, ApiKeyRecord & { keyHash: string }>();
  let auditId = 0;

  const bump = (key: string) => 1 + history.filter((h) => h.key === key && h.specsShare === 0 && h.reason !== 'create').length;

  return {
    history,
    list: async () => [...experiments.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
    get: async (key) => experiments.get(key) ?? null,
    async create(input, { actor }) {
      const now = new Date();
      const e: Experiment = { id: randomUUID(), ...input, stage: 0, bucketVersion: 1, createdAt: now, updatedAt: now };
      experiments.set(e.key, e);
      history.push({ key: e.key, specsShare: e.specsShare, stage: 0, reason: 'create' });
      audit.push({ id: String(++auditId), key: e.key, at: now, actor, action: 'create', before: null, after: e });
      return e;
    },
    async update(key, fn, actor) {
      const before = experiments.get(key);
      if (!before) throw new MissingExperiment(key);
      const change = fn(before);
      history.push({ key, ...change.history });
      const after: Experiment = {
        ...before,
        status: change.status ?? before.status,
        specsShare: change.specsShare ?? before.specsShare,
        stage: change.history.stage,
        bucketVersion: bump(key),
        updatedAt: new Date(),
      };
      experiments.set(key, after);
      audit.push({ id: String(++auditId), key, at: new Date(), actor, action: change.action, before, after });
      return { before, after };
    },
    audit: async (key, limit) => audit.filter((a) => a.key === key).reverse().slice(0, limit),
    async createApiKey(input) {
      const rec = { id: randomUUID(), ...input, createdAt: new Date(), revokedAt: null };
      keys.set(rec.id, rec);
      return rec;
    },
    findApiKeyByHash: async (keyHash) => [...keys.values()].find((k) => k.keyHash === keyHash) ?? null,
    async revokeApiKey(id) {
      const k = keys.get(id);
      if (!k) return null;
      const revoked = { ...k, revokedAt: k.revokedAt ?? new Date() };
      keys.set(id, revoked);
      return revoked;
    },
    listApiKeys: async () => [...keys.values()],
    ping: async () => undefined,
  };
}
