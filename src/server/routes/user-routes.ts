import type { Hono } from 'hono';
import { z } from 'zod';
import { FiredrillError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { ROLES } from '../../store/users.js';
import type { AuthVariables } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import { PERMISSIONS, can, need } from '../policy.js';
import type { Permission } from '../policy.js';

const roles = z.array(z.enum(ROLES)).max(ROLES.length);
const createUserSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/, 'letters, digits, dot, dash, underscore and @, at most 100'),
  roles,
  password: z.string().min(12, 'at least 12 characters').max(1000).optional(),
});
const rolesSchema = z.strictObject({ roles });
const issueTokenSchema = z.strictObject({
  name: z.string().min(1).max(100),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
  /** An admin may issue one for another user. */
  userId: z.string().max(100).optional(),
});

type App = Hono<{ Variables: AuthVariables }>;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Users and roles (admin), API tokens (one's own; an admin's for anyone). Tokens are shown once. */
export function userRoutes(app: App, store: Store): void {
  app.get('/api/v1/me', (c) => {
    const principal = c.get('principal');
    // What the dashboard may offer: the API decides each request; this only shapes the page.
    const permissions = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => can(principal, p));
    return c.json({ user: { id: principal.userId, name: principal.name, roles: [...principal.roles], permissions } });
  });

  app.get('/api/v1/users', async (c) => {
    need(c.get('principal'), can(c.get('principal'), 'users.manage'));
    return c.json({ users: await store.users.list() });
  });

  app.post('/api/v1/users', async (c) => {
    need(c.get('principal'), can(c.get('principal'), 'users.manage'));
    const body = await readJson(c, createUserSchema);
    const user = await store.users.create(body.name, body.roles, body.password);
    await audit(store, c, { action: 'user.create', target: user.id, detail: { name: user.name, roles: user.roles } });
    return c.json({ user }, 201);
  });

  app.put('/api/v1/users/:id/roles', async (c) => {
    need(c.get('principal'), can(c.get('principal'), 'users.manage'));
    const id = c.req.param('id');
    const body = await readJson(c, rolesSchema);
    if (!(await store.users.get(id))) throw new FiredrillError('FD_NOT_FOUND', `no user ${id}`);
    await store.users.setRoles(id, body.roles);
    await audit(store, c, { action: 'user.roles', target: id, detail: { roles: body.roles } });
    return c.json({ user: await store.users.get(id) });
  });

  app.get('/api/v1/tokens', async (c) => {
    const principal = c.get('principal');
    return c.json({ tokens: await store.users.tokens(can(principal, 'users.manage') ? undefined : principal.userId) });
  });

  // One's own token; an admin may issue one for another user.
  app.post('/api/v1/tokens', async (c) => {
    const principal = c.get('principal');
    const body = await readJson(c, issueTokenSchema);
    const userId = body.userId ?? principal.userId;
    if (userId !== principal.userId) need(principal, can(principal, 'users.manage'));
    if (!(await store.users.get(userId))) throw new FiredrillError('FD_NOT_FOUND', `no user ${userId}`);
    const expiresAt = body.expiresInDays === undefined ? undefined : Date.now() + body.expiresInDays * DAY_MS;
    const { token, info } = await store.users.issueToken(userId, body.name, expiresAt);
    await audit(store, c, { action: 'token.issue', target: info.id, detail: { userId, name: body.name } });
    return c.json({ token, info }, 201);
  });

  app.delete('/api/v1/tokens/:id', async (c) => {
    const principal = c.get('principal');
    const id = c.req.param('id');
    const owned = (await store.users.tokens(can(principal, 'users.manage') ? undefined : principal.userId)).some((t) => t.id === id);
    if (!owned) throw new FiredrillError('FD_NOT_FOUND', `no token ${id}`);
    await store.users.revokeToken(id);
    await audit(store, c, { action: 'token.revoke', target: id });
    return c.body(null, 204);
  });
}

/** For the OpenAPI document. */
export const userSchemas = { create: createUserSchema, roles: rolesSchema, token: issueTokenSchema };
