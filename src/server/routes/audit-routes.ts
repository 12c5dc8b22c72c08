import type { Hono } from 'hono';
import { z } from 'zod';
import { FiredrillError, UserError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { AuthVariables } from '../auth.js';
import { can } from '../policy.js';

const querySchema = z.strictObject({
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  since: z.coerce.number().int().min(0).optional(),
  until: z.coerce.number().int().min(0).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** The audit log, newest first, filtered (admin only). Page with `before` = the last id seen. */
export function auditRoutes(app: Hono<{ Variables: AuthVariables }>, store: Store): void {
  app.get('/api/v1/audit', async (c) => {
    const principal = c.get('principal');
    if (!can(principal, 'audit.read')) throw new FiredrillError('FD_FORBIDDEN', `${principal.name} may not read the audit log`);
    const parsed = querySchema.safeParse(c.req.query());
    if (!parsed.success)
      throw new UserError('FD_INVALID_QUERY', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return c.json({ records: await store.audit.list(parsed.data) });
  });
}

/** For the OpenAPI document. */
export const auditSchemas = { query: querySchema };
