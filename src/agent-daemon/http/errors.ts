import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { FiredrillError, UserError, errorMessage } from '../../errors.js';
import { FaultInjectError } from '../../engine/executor.js';
import type { ApiError } from '../../agent-protocol/api.js';
import type { Logger } from '../../util/log.js';
import { NotAllowedError } from '../host-allow.js';

/** Codes whose status is not the default of their class (UserError 400, anything else 500). */
const STATUS: Readonly<Record<string, ContentfulStatusCode>> = {
  FD_UNAUTHORIZED: 401,
  FD_NOT_ALLOWED: 403,
  FD_NOT_FOUND: 404,
  FD_UNKNOWN_FAULT: 404,
  FD_PROXY_NOT_FOUND: 404,
  FD_TOXIC_NOT_FOUND: 404,
  FD_PROXY_EXISTS: 409,
  FD_TOXIC_EXISTS: 409,
  FD_HALTED: 409,
  FD_FAULT_ACTIVE: 409,
  FD_FAULT_ENDED: 409,
  FD_RUN_ENDED: 409,
  FD_BODY_TOO_LARGE: 413,
  FD_SHUTTING_DOWN: 503,
};

/**
 * The API's one error boundary (STYLE 7): every error becomes `{ error: { code, message } }` and
 * a status, once, here. A failed inject also carries its cleanup, so the client can rebuild the
 * FaultInjectError the engine expects; unknown errors are 500 and logged with their stack, and
 * a request this host does not allow (403) leaves an audit line.
 */
export function errorResponse(error: unknown, log: Logger): { status: ContentfulStatusCode; body: ApiError } {
  if (error instanceof FaultInjectError) {
    const status = STATUS[error.code] ?? (error.cause instanceof UserError ? 400 : 500);
    log.warn('inject failed', { error: error.message, cleanup: error.cleanup?.verification });
    const cleanup = error.cleanup && { cleanup: error.cleanup };
    return { status, body: { error: { code: error.code, message: error.message, ...cleanup } } };
  }
  if (error instanceof NotAllowedError) {
    // The audit trail of what a token holder tried and this host refused.
    log.warn('refused: not allowed on this host', { code: error.code, ...error.audit, message: error.message });
  }
  if (error instanceof FiredrillError) {
    const status = STATUS[error.code] ?? (error instanceof UserError ? 400 : 500);
    if (status >= 500) log.error('request failed', { error });
    return { status, body: { error: { code: error.code, message: error.message } } };
  }
  if (error instanceof HTTPException) {
    return { status: error.status, body: { error: { code: 'FD_HTTP', message: error.message || `HTTP ${error.status}` } } };
  }
  log.error('internal error', { error });
  return { status: 500, body: { error: { code: 'FD_INTERNAL', message: `internal error: ${errorMessage(error)}` } } };
}
