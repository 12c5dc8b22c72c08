import { UserError } from '../errors.js';

export type ProxyErrorCode =
  | 'FD_PROXY_INVALID'
  | 'FD_PROXY_EXISTS'
  | 'FD_PROXY_NOT_FOUND'
  | 'FD_PROXY_LISTEN'
  | 'FD_PROXY_UPSTREAM'
  | 'FD_TOXIC_EXISTS'
  | 'FD_TOXIC_NOT_FOUND'
  | 'FD_TOXIC_INVALID';

/**
 * Bad input to the proxy manager. `field` names what was wrong, as a path into the input
 * (`listen`, `upstream`, `attributes.rateKBps`), so an API can point at it.
 *
 * @example
 *   new ProxyError('FD_TOXIC_INVALID', 'attributes.rateKBps: must be greater than 0', { field: 'attributes.rateKBps' })
 */
export class ProxyError extends UserError {
  declare readonly code: ProxyErrorCode;
  readonly field: string | undefined;

  constructor(code: ProxyErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.field = options?.field;
  }
}
