/**
 * The error family every layer throws. The HTTP error middleware maps these to
 * `{ error: { code, message, field? } }` with the status below; anything else
 * is an unexpected failure and becomes a logged 500.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, field?: string, details?: unknown) {
    super('VALIDATION_FAILED', message, 400, field, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid API key') {
    super('UNAUTHORIZED', message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('FORBIDDEN', message, 403);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, field?: string) {
    super('NOT_FOUND', `${what} not found`, 404, field);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, field?: string) {
    super('CONFLICT', message, 409, field);
  }
}

export class TimeoutError extends AppError {
  constructor(message: string, details?: unknown) {
    super('TIMEOUT', message, 504, undefined, details);
  }
}

/** The client closed the connection before its answer (nginx's 499): nobody reads the response. */
export class ClientGoneError extends AppError {
  constructor(message: string) {
    super('CLIENT_GONE', message, 499);
  }
}

export class UnavailableError extends AppError {
  constructor(
    message: string,
    /** Seconds a client should wait before retrying (sent as Retry-After). */
    readonly retryAfterSeconds = 1,
    code = 'UNAVAILABLE',
  ) {
    super(code, message, 503);
  }
}

/** Shed load: the queue is full; the client should come back later. */
export class OverloadedError extends UnavailableError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, retryAfterSeconds, 'OVERLOADED');
  }
}

export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message, 429);
  }
}

/**
 * The process cannot start as configured (a port in use, an OS user missing, a folder out of
 * reach). The message is one line that says what to do; entry points print it without a stack.
 */
export class SetupError extends AppError {
  constructor(message: string, details?: unknown) {
    super('SETUP_FAILED', message, 500, undefined, details);
  }
}

/** Seconds to send as Retry-After for errors that carry one. */
export const retryAfterOf = (e: unknown): number | undefined => {
  const s = (e as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof s === 'number' && s > 0 ? Math.ceil(s) : undefined;
};

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
