import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { FiredrillError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { SESSION_TTL_MS } from '../../store/users.js';
import { SESSION_COOKIE, clientAddress } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import { LoginThrottle } from '../login-throttle.js';

const loginSchema = z.strictObject({ name: z.string().min(1).max(200), password: z.string().min(1).max(1000) });

/** Login and logout for the dashboard: a session cookie (HttpOnly, SameSite=Strict, Secure under TLS) and its CSRF token. */
export function sessionRoutes(app: Hono, store: Store, options: { secureCookies: boolean }): void {
  const throttle = new LoginThrottle();
  app.post('/api/v1/login', async (c) => {
    const { name, password } = await readJson(c, loginSchema);
    const key = `${clientAddress(c) ?? '?'} ${name}`;
    const wait = throttle.waitMs(key);
    if (wait > 0) {
      await audit(store, c, { actor: name, action: 'login', outcome: 'denied: too many attempts' });
      throw new FiredrillError('FD_TOO_MANY_ATTEMPTS', `too many failed logins: try again in ${Math.ceil(wait / 1000)} s`);
    }
    const principal = await store.users.login(name, password);
    if (!principal) {
      throttle.failed(key);
      await audit(store, c, { actor: name, action: 'login', outcome: 'denied: wrong name or password' });
      throw new FiredrillError('FD_UNAUTHORIZED', 'wrong name or password');
    }
    throttle.succeeded(key);
    const session = await store.users.openSession(principal.userId);
    setCookie(c, SESSION_COOKIE, session.cookie, {
      httpOnly: true,
      secure: options.secureCookies,
      sameSite: 'Strict',
      path: '/',
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    await audit(store, c, { actor: name, action: 'login' });
    return c.json({ user: { id: principal.userId, name: principal.name, roles: [...principal.roles] }, csrf: session.csrf });
  });

  app.post('/api/v1/logout', async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie) await store.users.closeSession(cookie);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
}

/** For the OpenAPI document. */
export const sessionSchemas = { login: loginSchema };
