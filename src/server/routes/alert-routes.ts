import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { FiredrillError, UserError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Principal } from '../../store/users.js';
import type { AlertInbox } from '../alert-inbox.js';
import { alertBodySchema, parseAlerts } from '../alert-payload.js';
import type { AuthVariables } from '../auth.js';
import { readJson } from '../body.js';
import { can, need } from '../policy.js';

const SOURCE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const alertSchemas = {
  body: alertBodySchema,
  list: z.strictObject({ since: z.string().regex(/^\d+$/).optional().describe('ms since the epoch (default: a day ago)') }),
};

/**
 * The alert receiver: Alertmanager's webhook (version 4) or a generic JSON alert, posted to
 * /api/v1/alerts/SOURCE with an `alert-source` (or admin) token as `Authorization: Bearer`, or
 * to /api/v1/alerts/SOURCE/TOKEN for a sender that cannot set a header. Each alert is stored
 * with the time it was received; the runs' expectations match them.
 */
export function alertReceiverWithTokenInPath(app: Hono, store: Store, inbox: AlertInbox): void {
  // Before the API's authentication: the token is in the path.
  app.post('/api/v1/alerts/:source/:token', async (c) => {
    const principal = await store.users.byToken(c.req.param('token'));
    if (!principal) throw new FiredrillError('FD_UNAUTHORIZED', 'the token in the path is unknown, revoked or expired');
    return receive(c, principal, inbox);
  });
}

export function alertRoutes(app: Hono<{ Variables: AuthVariables }>, inbox: AlertInbox, store: Store): void {
  app.post('/api/v1/alerts/:source', async (c) => receive(c, c.get('principal'), inbox));

  /** What the monitoring said lately: every role sees it (responders see their alerts in production). */
  app.get('/api/v1/alerts', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'experiments.read'));
    const since = Number(c.req.query('since') ?? Date.now() - 86_400_000);
    if (!Number.isFinite(since)) throw new UserError('FD_BAD_QUERY', 'since: milliseconds since the epoch');
    return c.json({ alerts: await store.alerts.since(since, 500) });
  });
}

async function receive(c: Context, principal: Principal, inbox: AlertInbox): Promise<Response> {
  const receivedAt = Date.now();
  need(principal, can(principal, 'alerts.receive'));
  const source = c.req.param('source') ?? '';
  if (!SOURCE.test(source))
    throw new UserError(
      'FD_BAD_SOURCE',
      `source: lowercase letters, digits, dot, dash, underscore (got ${JSON.stringify(source.slice(0, 80))})`,
    );
  const alerts = parseAlerts(source, await readJson(c, z.unknown()), receivedAt);
  if ('problem' in alerts) throw new UserError('FD_BAD_ALERT', alerts.problem);
  const stored = await inbox.receive(alerts);
  return c.json({ received: stored.length }, 202);
}
