import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { FiredrillError, UserError, ValidationError } from '../errors.js';
import type { Problem } from '../errors.js';
import type { Logger } from '../util/log.js';

/** `{ error: { code, message } }`, with the located problems of an invalid experiment. */
export interface ServerError {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly problems?: readonly Omit<Problem, 'file'>[];
    readonly total?: number;
  };
}

/** Codes whose status is not the default of their class (UserError 400, anything else 500). */
const STATUS: Readonly<Record<string, ContentfulStatusCode>> = {
  FD_UNAUTHORIZED: 401,
  FD_FORBIDDEN: 403,
  FD_CSRF: 403,
  FD_NOT_FOUND: 404,
  FD_USER_EXISTS: 409,
  FD_EXPERIMENT_EXISTS: 409,
  FD_HALTED: 409,
  FD_BODY_TOO_LARGE: 413,
  FD_TOO_MANY_ATTEMPTS: 429,
  FD_STORE_UNREACHABLE: 503,
  FD_SHUTTING_DOWN: 503,
};

/**
 * The server's one error boundary: every error becomes a status and `{ error: { code, message } }`
 * here, once. Validation errors carry their problems (line, col, path, message); anything
 * unknown is 500, logged with its stack, and says no more than "internal error".
 */
export function errorResponse(error: unknown, log: Logger): { status: ContentfulStatusCode; body: ServerError } {
  if (error instanceof ValidationError) {
    const problems = error.problems.map(({ line, col, path, message }) => ({ line, col, path, message }));
    return { status: 400, body: { error: { code: error.code, message: 'the experiment is not valid', problems, total: error.total } } };
  }
  if (error instanceof FiredrillError) {
    const status = STATUS[error.code] ?? (error instanceof UserError ? 400 : 500);
    if (status >= 500) log.error('request failed', { error });
    return { status, body: { error: { code: error.code, message: error.message } } };
  }
  if (error instanceof HTTPException) {
    return { status: error.status, body: { error: { code: 'FD_HTTP', message: error.message || `HTTP ${error.status}` } } };
  }
  if (isStoreDown(error)) {
    log.error('the store is unreachable', { error });
    return { status: 503, body: { error: { code: 'FD_STORE_UNREACHABLE', message: 'the store is unreachable: try again shortly' } } };
  }
  log.error('internal error', { error });
  return { status: 500, body: { error: { code: 'FD_INTERNAL', message: 'internal error: see the server log' } } };
}

/** A connection to PostgreSQL refused or lost. */
function isStoreDown(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001'].includes(code);
}
