import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, UnavailableError } from '../errors';
import { actorLabel, type Actor, type ApiKeyRecord, type Role } from './experiment-types';
import type { ExperimentsRepository } from './experiments-repository';

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** The shape of every key `create` issues: anything else is refused without a database lookup. */
const ISSUED_KEY = /^sk_(admin|service|viewer)_[A-Za-z0-9_-]{32}$/;

export interface ApiKeysService {
  /** The caller behind a bearer key, or null. Config keys are checked in memory; database keys are cached briefly. */
  authenticate(key: string): Promise<Actor | null>;
  create(input: { name: string; role: Role }, actor: Actor): Promise<ApiKeyRecord & { key: string }>;
  revoke(id: string, actor: Actor): Promise<ApiKeyRecord>;
  list(): Promise<ApiKeyRecord[]>;
}

export function createApiKeysService(deps: {
  repo: ExperimentsRepository;
  configKeys: { admin?: string; service?: string; viewer?: string };
  cacheTtlMs?: number;
  now?: () => number;
}): ApiKeysService {
  const now = deps.now ?? Date.now;
  const ttl = deps.cacheTtlMs ?? 5_000;
  const configKeys = new Map<string, Actor>();
  for (const role of ['admin', 'service', 'viewer'] as const) {
    const key = deps.configKeys[role];
    if (key) configKeys.set(hashApiKey(key), { name: `config-${role}`, role });
  }
  // Positive and negative lookups, so a request costs a DB round trip at most once per key per TTL.
  const cache = new Map<string, { actor: Actor | null; expires: number }>();

  return {
    async authenticate(key) {
      const h = hashApiKey(key);
      const fromConfig = configKeys.get(h);
      if (fromConfig) return fromConfig;
      if (!ISSUED_KEY.test(key)) return null;
      const hit = cache.get(h);
      if (hit && hit.expires > now()) return hit.actor;
      let row;
      try {
        row = await deps.repo.findApiKeyByHash(h);
      } catch (err) {
        // Database down: a key we knew a moment ago keeps working; an unknown one waits for it.
        if (hit) return hit.actor;
        throw new UnavailableError('cannot check the API key: the database is unavailable; retry shortly', 2);
      }
      // Only the hash is stored and looked up, so there is no secret comparison to time.
      const actor = row && !row.revokedAt ? { name: row.name, role: row.role } : null;
      if (cache.size > 10_000) cache.clear();
      cache.set(h, { actor, expires: now() + ttl });
      return actor;
    },

    async create(input, actor) {
      const key = `sk_${input.role}_${randomBytes(24).toString('base64url')}`;
      const record = await deps.repo.createApiKey({
        name: input.name,
        role: input.role,
        keyHash: hashApiKey(key),
        prefix: key.slice(0, 14),
        createdBy: actorLabel(actor),
      });
      cache.delete(hashApiKey(key));
      return { ...record, key };
    },

    async revoke(id, actor) {
      const record = await deps.repo.revokeApiKey(id, actorLabel(actor));
      if (!record) throw new NotFoundError(`api key ${id}`, 'params.id');
      cache.clear();
      return record;
    },

    list: () => deps.repo.listApiKeys(),
  };
}
