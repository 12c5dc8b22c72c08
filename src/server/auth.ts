import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { FiredrillError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Principal } from '../store/users.js';

export const SESSION_COOKIE = 'fd_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface AuthVariables {
  principal: Principal;
  /** How the request proved who it is. */
  via: 'token' | 'session';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is asking: an API token (`Authorization: Bearer fdt_…`) or a dashboard session cookie. A
 * mutating request on a session must carry the session's CSRF token in `X-CSRF-Token`; a token
 * request needs none (a browser never sends one by itself). Anything else is 401.
 */
export function authenticate(store: Store): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const principal = match?.[1] ? await store.users.byToken(match[1]) : undefined;
      if (!principal) throw new FiredrillError('FD_UNAUTHORIZED', 'the token is unknown, revoked or expired');
      c.set('principal', principal);
      c.set('via', 'token');
      return next();
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = cookie ? await store.users.bySession(cookie, c.req.header(CSRF_HEADER)) : undefined;
    if (!session) throw new FiredrillError('FD_UNAUTHORIZED', 'log in, or send an API token as Authorization: Bearer');
    if (!SAFE_METHODS.has(c.req.method) && !session.csrfOk)
      throw new FiredrillError('FD_CSRF', `a change through a session needs its ${CSRF_HEADER} header`);
    c.set('principal', session.principal);
    c.set('via', 'session');
    return next();
  };
}

/** The address a request came from, for the audit log. */
export function clientAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}
