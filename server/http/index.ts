export { createHttpApp, type HttpAppDeps, type ExtraRouter } from './create-http-app';
export { createRequireRole, actorOf, type RequireRole, type Authenticate } from './auth';
export { handle, toValidationError, type TypedRequest } from './handler';
export { createErrorMiddleware, notFoundHandler } from './error-middleware';
export { experimentJson } from './routes/experiments-routes';
