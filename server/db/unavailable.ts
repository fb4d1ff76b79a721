/**
 * Whether an error means "the database cannot be reached right now" (refused, reset or
 * terminated connections, a server shutting down or starting up, Prisma's connection
 * errors) rather than a bad query: the HTTP layer answers those 503, not 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
// SQLSTATE class 08 (connection exception) and 57P0x (operator intervention: shutdown, crash, starting up).
const SQLSTATE = /^(08\d{3}|57P0[1-4])$/;
const PRISMA = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (NETWORK_CODES.has(code) || SQLSTATE.test(code) || PRISMA.has(code)) return true;
    if (MESSAGES.test(String((e as { message?: unknown }).message ?? ''))) return true;
  }
  return false;
}
