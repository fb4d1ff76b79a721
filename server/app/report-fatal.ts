import { ConfigError } from '../config/config';
import { isAppError } from '../errors';

/**
 * How an entry point reports the error that stopped it: a configuration or setup problem the
 * person can fix is its message alone (it says what to do); anything unexpected keeps its stack.
 */
export function formatFatal(name: string, err: unknown): string {
  if (err instanceof ConfigError || isAppError(err)) return `${name}: ${err.message}`;
  return `${name}: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}
