import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, NotFoundError, ValidationError } from '../errors';

/** Unknown routes get the same JSON error shape as everything else. */
export const notFoundHandler: RequestHandler = (req, _res, next) => next(new NotFoundError(`route ${req.method} ${req.path}`));

/**
 * The one error middleware. AppErrors map to their status; body-parser errors
 * (malformed JSON, oversize bodies) are client errors; anything else is a 500
 * logged with an id the caller can quote.
 */
export function createErrorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let error: AppError | undefined = err instanceof AppError ? err : undefined;
    if (!error && err && typeof err === 'object' && 'type' in err) {
      const e = err as { type?: string; status?: number; message?: string };
      if (e.type === 'entity.parse.failed') error = new ValidationError('body: malformed JSON', 'body');
      else if (e.type === 'entity.too.large') error = new AppError('PAYLOAD_TOO_LARGE', 'body: too large', 413, 'body');
      else if (e.status && e.status >= 400 && e.status < 500) error = new AppError('BAD_REQUEST', e.message ?? 'bad request', e.status);
    }
    if (error) {
      res.status(error.status).json({ error: { code: error.code, message: error.message, field: error.field, details: error.details } });
      return;
    }
    const errorId = randomUUID();
    logger.error({ err, errorId, method: req.method, path: req.path }, 'unhandled error');
    if (!res.headersSent) res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error', errorId } });
  };
}
