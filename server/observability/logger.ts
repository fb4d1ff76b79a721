import pino, { type Logger } from 'pino';

export type { Logger };

/** pino JSON to stdout; the destination is injectable so tests can capture or silence it. */
export function createLogger(options: { level: string; name?: string; destination?: pino.DestinationStream }): Logger {
  return pino({ level: options.level, name: options.name ?? 'specs-ab', base: undefined }, options.destination);
}
