import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FiredrillError, OperationalError, UserError, errorMessage } from '../errors.js';
import type { Logger } from '../util/log.js';

/** Toxiproxy's error body, `{"error": "proxy not found", "status": 404}`, as its clients parse it. */
export interface ToxiproxyErrorBody {
  readonly error: string;
  readonly status: number;
}

/** An answer Toxiproxy itself would give, with its message and status (api.go's `ApiError`). */
export class ToxiproxyApiError extends FiredrillError {
  readonly status: ContentfulStatusCode;

  constructor(message: string, status: ContentfulStatusCode, options?: { cause?: unknown }) {
    super('FD_TOXIPROXY', message, options);
    this.status = status;
  }
}

// Toxiproxy's own messages, word for word: clients and test suites match on them.
export const proxyNotFound = (): ToxiproxyApiError => new ToxiproxyApiError('proxy not found', 404);
export const proxyAlreadyExists = (): ToxiproxyApiError => new ToxiproxyApiError('proxy already exists', 409);
export const toxicNotFound = (): ToxiproxyApiError => new ToxiproxyApiError('toxic not found', 404);
export const toxicAlreadyExists = (): ToxiproxyApiError => new ToxiproxyApiError('toxic already exists', 409);
export const invalidToxicType = (): ToxiproxyApiError => new ToxiproxyApiError('invalid toxic type', 400);
export const invalidStream = (): ToxiproxyApiError =>
  new ToxiproxyApiError('stream was invalid, can be either upstream or downstream', 400);
export const missingField = (field: string): ToxiproxyApiError => new ToxiproxyApiError(`missing required field: ${field}`, 400);
export const badRequestBody = (detail: string): ToxiproxyApiError => new ToxiproxyApiError(`bad request body: ${detail}`, 400);

/** The proxy manager's codes for what Toxiproxy has its own words for (races past the API's own checks). */
const TOXIPROXY_WORDS: Readonly<Record<string, () => ToxiproxyApiError>> = {
  FD_PROXY_NOT_FOUND: proxyNotFound,
  FD_PROXY_EXISTS: proxyAlreadyExists,
  FD_TOXIC_NOT_FOUND: toxicNotFound,
  FD_TOXIC_EXISTS: toxicAlreadyExists,
};

/**
 * Codes a hook or the proxy manager may throw whose status is not the default of their class.
 * Halted is 503, not the agent API's 409: to Toxiproxy clients 409 means "already exists" (the
 * Ruby client raises ProxyExists/ToxicExists on it), which would hide the halt.
 */
const STATUS: Readonly<Record<string, ContentfulStatusCode>> = {
  FD_HALTED: 503,
  FD_SHUTTING_DOWN: 503,
};

/**
 * The Toxiproxy API's one error boundary: every error becomes `{error, status}` once, here.
 * Errors Toxiproxy has no word for keep Firedrill's message; unknown errors are 500 and logged
 * (Toxiproxy too answers 500 with the error's text for errors without a status).
 */
export function toxiproxyErrorResponse(error: unknown, log?: Logger): { status: ContentfulStatusCode; body: ToxiproxyErrorBody } {
  const respond = (message: string, status: ContentfulStatusCode) => ({ status, body: { error: message, status } });
  if (error instanceof ToxiproxyApiError) return respond(error.message, error.status);
  if (error instanceof FiredrillError) {
    const words = TOXIPROXY_WORDS[error.code]?.();
    if (words) return respond(words.message, words.status);
    const status = STATUS[error.code] ?? (error instanceof UserError ? 400 : error instanceof OperationalError ? 503 : 500);
    if (status === 500) log?.error('toxiproxy API request failed', { error });
    return respond(error.message, status);
  }
  log?.error('toxiproxy API internal error', { error });
  return respond(errorMessage(error), 500);
}

/** Go's words for the bind errors Node reports (net.Listen's `listen tcp <addr>: bind: …`). */
const BIND_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'cannot assign requested address',
};

/**
 * A listen address that cannot be used is Toxiproxy's answer, Go's listen error with status 500
 * (`listen tcp 127.0.0.1:8080: bind: address already in use`, `listen tcp: address local373:
 * missing port in address`), whatever made it unusable: taken, malformed, not on this host.
 * Other errors pass through unchanged.
 */
export function asListenError(error: unknown, listen: string): unknown {
  if (!(error instanceof FiredrillError) || error.code !== 'FD_PROXY_LISTEN') return error;
  for (let at: unknown = error.cause, depth = 0; at instanceof Error && depth < 8; at = at.cause, depth++) {
    const { code, address, port } = at as { code?: unknown; address?: unknown; port?: unknown };
    if (typeof code !== 'string') continue;
    const where =
      typeof address === 'string' && typeof port === 'number' ? `${address.includes(':') ? `[${address}]` : address}:${port}` : listen;
    const bind = BIND_ERRORS[code];
    if (bind) return new ToxiproxyApiError(`listen tcp ${where}: bind: ${bind}`, 500, { cause: error });
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return new ToxiproxyApiError(`listen tcp: lookup ${hostOf(listen)}: no such host`, 500, { cause: error });
  }
  return new ToxiproxyApiError(`listen tcp: address ${malformation(listen)}`, 500, { cause: error });
}

function hostOf(listen: string): string {
  return listen.slice(0, Math.max(0, listen.lastIndexOf(':'))).replace(/^\[|\]$/g, '');
}

/** What Go's address parser says of a listen address it cannot use. */
function malformation(listen: string): string {
  const colon = listen.lastIndexOf(':');
  if (colon < 0) return `${listen}: missing port in address`;
  const port = listen.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return `${port}: invalid port`;
  return `${listen}: invalid address`;
}
