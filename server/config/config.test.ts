import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = loadConfig({}, '/srv');
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.database.embeddedDir).toBe('/srv/.data/postgres');
    expect(config.apiKeys.admin).toBe('dev-admin-key');
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY'],
    [{ STICKY_BUCKETING: 'maybe' }, 'STICKY_BUCKETING'],
    [{ NODE_ENV: 'production' }, 'ADMIN_API_KEY'],
    [{ GROWTHBOOK_API_HOST: 'http://gb' }, 'GROWTHBOOK_API_HOST'],
    [{ NODE_ENV: 'production', ADMIN_API_KEY: 'change-me-admin-key', SERVICE_API_KEY: 'f'.repeat(32) }, 'ADMIN_API_KEY'],
    [{ NODE_ENV: 'production', ADMIN_API_KEY: 'a'.repeat(32), SERVICE_API_KEY: 'dev-service-key' }, 'SERVICE_API_KEY'],
    [{ NODE_ENV: 'production', ADMIN_API_KEY: 'a'.repeat(32), SERVICE_API_KEY: 'short-key' }, 'SERVICE_API_KEY'],
  ])('rejects %j naming %s', (env, field) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(field);
  });

  it.each([
    [{}, 'warn'],
    [{ LOG_LEVEL: '' }, 'warn'],
    [{ LOG_LEVEL: 'debug' }, 'debug'],
  ])('lets a caller default (%j) yield to the environment: %s', (env, level) => {
    expect(loadConfig(env, '/srv', { LOG_LEVEL: 'warn' }).logLevel).toBe(level);
  });

  it('starts in production only with keys it did not invent', () => {
    const c = loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'a1'.repeat(16), SERVICE_API_KEY: 'b2'.repeat(16) });
    expect(c.apiKeys).toEqual({ admin: 'a1'.repeat(16), service: 'b2'.repeat(16), viewer: undefined });
  });

  it('invents development keys only when no key is configured', () => {
    expect(loadConfig({}).apiKeys).toEqual({ admin: 'dev-admin-key', service: 'dev-service-key', viewer: 'dev-viewer-key' });
    expect(loadConfig({ ADMIN_API_KEY: 'my-admin-key-123' }).apiKeys).toEqual({ admin: 'my-admin-key-123', service: undefined, viewer: undefined });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '' }).redis.url).toBeUndefined();
  });

  it('splits webhook URLs', () => {
    expect(loadConfig({ WEBHOOK_URLS: 'http://a, http://b' }).rollout.webhookUrls).toEqual(['http://a', 'http://b']);
  });
});
