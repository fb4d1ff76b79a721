import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors';
import type { Actor, Role } from '../experiments/experiment-types';

export type Authenticate = (key: string) => Promise<Actor | null>;

/** The authenticated caller, set by `requireRole`. */
export const actorOf = (res: Response): Actor => res.locals.actor as Actor;

/**
 * `Authorization: Bearer <key>`. admin may do everything; the other roles only
 * what they are listed for. Missing/unknown key → 401, known key with the wrong role → 403.
 */
export function createRequireRole(authenticate: Authenticate) {
  return (...roles: Role[]): RequestHandler =>
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const header = req.headers.authorization;
        const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
        if (!key) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
        const actor = await authenticate(key);
        if (!actor) throw new UnauthorizedError('invalid or revoked API key');
        if (actor.role !== 'admin' && !roles.includes(actor.role)) {
          throw new ForbiddenError(`role ${actor.role} may not ${req.method} ${req.baseUrl}${req.path}`);
        }
        res.locals.actor = actor;
        next();
      } catch (err) {
        next(err);
      }
    };
}
export type RequireRole = ReturnType<typeof createRequireRole>;
