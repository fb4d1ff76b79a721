export { createTestDatabase, uniqueSchemaName, DEFAULT_TEST_DATABASE_URL, type TestDatabase } from './test-database';
export { createTestRedis, DEFAULT_TEST_REDIS_URL, type TestRedis } from './test-redis';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { makeRequestLogRow } from './request-log-fixtures';
export { testAppConfig, type TestAppConfigOptions } from './test-app-config';
