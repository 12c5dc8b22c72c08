import type { Hono } from 'hono';
import { z } from 'zod';
import { FiredrillError } from '../../errors.js';
import { newSecret } from '../../store/passwords.js';
import type { Store } from '../../store/store.js';
import { WEBHOOK_EVENTS } from '../../store/webhooks.js';
import type { AuthVariables } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import { can, need } from '../policy.js';

const createSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).max(2000),
  kind: z.enum(['slack', 'generic']),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
  /** A generic webhook's HMAC key; one is made when none is given (shown once). */
  secret: z.string().min(16).max(200).optional(),
});

/** Webhook subscriptions (admin): Slack-compatible or generic signed JSON, with their delivery log. */
export function webhookRoutes(app: Hono<{ Variables: AuthVariables }>, store: Store): void {
  app.get('/api/v1/webhooks', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'users.manage'));
    return c.json({ webhooks: await store.webhooks.list() });
  });

  app.post('/api/v1/webhooks', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'users.manage'));
    const body = await readJson(c, createSchema);
    const secret = body.kind === 'generic' ? (body.secret ?? newSecret('whsec')) : null;
    const webhook = await store.webhooks.create({ url: body.url, kind: body.kind, secret, events: body.events, createdBy: principal.name });
    await audit(store, c, {
      action: 'webhook.create',
      target: webhook.id,
      detail: { url: webhook.url, kind: webhook.kind, events: webhook.events },
    });
    return c.json({ webhook, ...(secret && body.secret === undefined && { secret }) }, 201);
  });

  app.delete('/api/v1/webhooks/:id', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'users.manage'));
    const id = c.req.param('id');
    if (!(await store.webhooks.remove(id))) throw new FiredrillError('FD_NOT_FOUND', `no webhook ${id}`);
    await audit(store, c, { action: 'webhook.delete', target: id });
    return c.body(null, 204);
  });

  app.get('/api/v1/webhooks/:id/deliveries', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'users.manage'));
    return c.json({ deliveries: await store.webhooks.deliveries(c.req.param('id')) });
  });
}

/** For the OpenAPI document. */
export const webhookSchemas = { create: createSchema };
