import type { Hono } from 'hono';
import { UserError } from '../../errors.js';
import type { ProxyInfo, ProxyManager } from '../../proxy/api.js';
import { API_PREFIX } from '../../agent-protocol/api.js';
import { proxyRequestSchema } from '../../agent-protocol/request-schemas.js';
import type { Ledger } from '../ledger.js';
import { readBody } from './body.js';

export interface ProxyRouteDeps {
  readonly proxies: ProxyManager;
  readonly ledger: Ledger;
}

const NAME = /^[A-Za-z][\w.-]{0,99}$/;

/**
 * The agent's fault proxies. PUT is idempotent (a run applies the inventory's proxies every
 * time): the same definition changes nothing, a new listen address re-binds. Proxies made here
 * are remembered in the ledger database and made again when the agent restarts.
 */
export function proxyRoutes(app: Hono, { proxies, ledger }: ProxyRouteDeps): void {
  app.get(`${API_PREFIX}/proxies`, (c) => c.json({ proxies: proxies.list() }));

  app.put(`${API_PREFIX}/proxies/:name`, async (c) => {
    const name = proxyName(c.req.param('name'));
    const { listen, upstream } = await readBody(c, proxyRequestSchema);
    const existing = proxies.get(name);
    let info: ProxyInfo;
    if (!existing) info = await proxies.create({ name, listen, upstream });
    else if (existing.listen !== listen || existing.upstream !== upstream) info = await proxies.update(name, { listen, upstream });
    else info = existing;
    ledger.saveProxy({ name, listen, upstream });
    return c.json(info, existing ? 200 : 201);
  });

  app.delete(`${API_PREFIX}/proxies/:name`, async (c) => {
    const name = proxyName(c.req.param('name'));
    await proxies.delete(name);
    ledger.forgetProxy(name);
    return c.body(null, 204);
  });
}

function proxyName(name: string | undefined): string {
  if (!name || !NAME.test(name))
    throw new UserError('FD_INVALID_ID', 'name: proxy names use letters, digits, "_", "-" and ".", starting with a letter');
  return name;
}
