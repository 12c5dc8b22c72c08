import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiError } from '../../agent-protocol/api.js';

/**
 * `Authorization: Bearer <token>` on every route. Both sides are hashed first so that the
 * comparison is constant-time whatever the length of what was sent (timingSafeEqual needs
 * equal lengths, and an early length check would leak the token's length).
 */
export function bearerAuth(token: string): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    const match = /^Bearer +(\S+) *$/i.exec(c.req.header('authorization') ?? '');
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      const message = match
        ? 'the bearer token is not this agent’s'
        : 'missing "Authorization: Bearer <token>" (the token is in agent.token)';
      const body: ApiError = { error: { code: 'FD_UNAUTHORIZED', message } };
      return c.json(body, 401, { 'WWW-Authenticate': 'Bearer realm="firedrill-agent"' });
    }
    await next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
