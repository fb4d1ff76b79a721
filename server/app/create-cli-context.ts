/**
 * The composition root of the command-line tools (report, …): the shared core (core.ts)
 * without HTTP, queue, workers or the gate schedule. With no DATABASE_URL it uses the
 * embedded Postgres, joining the one `npm start` already runs on the same folder.
 */
import type { AppConfig } from '../config';
import { createLogger, type Logger } from '../observability/logger';
import { wallClockMs } from '../vocabulary';
import { createCore, type Core } from './core';

export type CliContext = Core;

export function createCliContext(config: AppConfig, options: { logger?: Logger } = {}): Promise<CliContext> {
  const logger = options.logger ?? createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  return createCore(config, { logger, clock: wallClockMs, kpiCache: false });
}
