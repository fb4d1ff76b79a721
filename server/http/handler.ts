import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors';

type Schemas = { body?: z.ZodType; params?: z.ZodType; query?: z.ZodType };
type Out<S, K extends keyof Schemas> = S extends { [P in K]: z.ZodType } ? z.output<S[K]> : unknown;

export interface TypedRequest<S extends Schemas> {
  body: Out<S, 'body'>;
  params: Out<S, 'params'>;
  query: Out<S, 'query'>;
  raw: Request;
}

/** First zod issue as a 400 that names the offending field (e.g. `body.specsShare`). */
export function toValidationError(error: z.ZodError, where: string): ValidationError {
  const issue = error.issues[0];
  const field = [where, ...(issue?.path ?? []).map(String)].join('.');
  return new ValidationError(`${field}: ${issue?.message ?? 'invalid'}`, field, error.issues);
}

function parsePart(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (!result.success) throw toValidationError(result.error, where);
  return result.data;
}

/**
 * Wraps a route: validates body/params/query with zod (400 naming the field on
 * failure), types `req` from the schemas, and forwards thrown errors (sync or
 * async) to the error middleware. A returned value is sent as JSON.
 */
export function handle<S extends Schemas>(
  schemas: S,
  fn: (req: TypedRequest<S>, res: Response) => Promise<unknown> | unknown,
  status = 200,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (schemas.body && (req.body === undefined || req.body === null)) {
        throw new ValidationError('body: a JSON body is required', 'body');
      }
      const typed = {
        body: parsePart(schemas.body, req.body, 'body'),
        params: parsePart(schemas.params, req.params, 'params'),
        query: parsePart(schemas.query, req.query, 'query'),
        raw: req,
      } as TypedRequest<S>;
      const result = await fn(typed, res);
      if (!res.headersSent && result !== undefined) res.status(status).json(result);
    } catch (error) {
      next(error);
    }
  };
}
