import { lookup } from 'node:dns/promises';
import { ProxyError } from './errors.js';

/** A parsed `host:port`; `text` is what the user wrote, reported back unchanged. */
export interface Address {
  readonly host: string;
  readonly port: number;
  readonly text: string;
}

/** getaddrinfo can hang on an unreachable resolver; a proxy change must answer. */
const LOOKUP_TIMEOUT_MS = 5000;

/**
 * Parses `host:port`, `[v6]:port` or `:port` (listen only: every interface).
 * The error names the field: FD_PROXY_LISTEN for `listen`, FD_PROXY_UPSTREAM for `upstream`.
 */
export function parseAddress(text: unknown, field: 'listen' | 'upstream'): Address {
  const code = field === 'listen' ? 'FD_PROXY_LISTEN' : 'FD_PROXY_UPSTREAM';
  const fail = (why: string): never => {
    throw new ProxyError(code, `${field}: ${why} (got ${JSON.stringify(text)})`, { field });
  };
  if (typeof text !== 'string') return fail('must be a "host:port" string');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) return fail('must be "host:port", e.g. "127.0.0.1:8080" or "[::1]:8080"');
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return fail('port must be 0 to 65535');
  if (field === 'upstream' && (port === 0 || host === '')) return fail('needs a host and a port from 1 to 65535');
  return { host, port, text: text.trim() };
}

/** `host:port` with IPv6 hosts in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Fails with FD_PROXY_UPSTREAM unless the upstream's host resolves now. */
export async function assertResolves(address: Address): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), LOOKUP_TIMEOUT_MS);
  });
  try {
    await Promise.race([lookup(address.host), timeout]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ProxyError('FD_PROXY_UPSTREAM', `upstream: host "${address.host}" does not resolve (${code})`, {
      field: 'upstream',
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
