import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/unavailable';
import { AppError, NotFoundError, retryAfterOf, UnavailableError, ValidationError } from '../errors';

/** Unknown routes get the same JSON error shape as everything else. */
export const notFoundHandler: RequestHandler = (req, _res, next) => next(new NotFoundError(`route ${req.method} ${req.path}`));

/** Errors with a known, non-500 meaning raised below our handlers: the request's own (router, body parser, zlib) or an unreachable database. */
function knownError(err: unknown): AppError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  if (isDatabaseUnavailable(err)) return new UnavailableError('the database is unavailable; retry shortly', 2);
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; code?: string };
  if (err instanceof URIError) return new ValidationError('path: malformed percent-encoding', 'path');
  if (e.type === 'entity.parse.failed') return new ValidationError('body: malformed JSON', 'body');
  if (e.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'body: too large', 413, 'body');
  if (e.type === 'encoding.unsupported') return new AppError('UNSUPPORTED_ENCODING', 'content-encoding: unsupported (use identity, gzip, deflate or br)', 415, 'content-encoding');
  // A body that claims gzip/deflate/br but does not decompress.
  if (typeof e.code === 'string' && /^Z_|^ERR_(ZLIB|BROTLI)/.test(e.code)) return new ValidationError('body: does not match its content-encoding', 'body');
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError('BAD_REQUEST', e.message ?? 'bad request', status);
  return undefined;
}

/**
 * The one error middleware. AppErrors map to their status; body-parser errors
 * (malformed JSON, oversize bodies) are client errors; anything else is a 500
 * logged with an id the caller can quote.
 */
export function createErrorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let error: AppError | undefined = err instanceof AppError ? err : knownError(err);
    if (error) {
      const retryAfter = retryAfterOf(error);
      if (retryAfter) res.setHeader('retry-after', String(retryAfter));
      res.status(error.status).json({ error: { code: error.code, message: error.message, field: error.field, details: error.details } });
      return;
    }
    const errorId = randomUUID();
    logger.error({ err, errorId, method: req.method, path: req.path }, 'unhandled error');
    if (!res.headersSent) res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error', errorId } });
  };
}
