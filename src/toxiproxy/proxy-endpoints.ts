import type { Hono } from 'hono';
import type { ProxyInfo } from '../proxy/api.js';
import type { ToxiproxyAppDeps } from './app.js';
import { readJson, readObject } from './body.js';
import { proxyAlreadyExists, toxiproxyErrorResponse } from './errors.js';
import { announceRemoved, removeToxics, toxicIds } from './hooks.js';
import type { Exclusive } from './hooks.js';
import { populate, PopulateFailure } from './populate.js';
import { createProxy, mustGetProxy, readProxyChanges, readProxyDefinition, renderProxy, updateProxy } from './proxy-shape.js';
import type { ToxiproxyProxy } from './proxy-shape.js';
import { jsonBody } from './respond.js';

/** The Toxiproxy version this API speaks: clients choose PATCH over POST from 2.6.0 on. */
export const TOXIPROXY_VERSION = '2.12.0';

/** Where a proxy made without a listen address listens: a free port of the loopback. */
export const LOOPBACK_LISTEN = '127.0.0.1:0';

/** Proxies, /populate, /reset and /version, with Toxiproxy's status codes. */
export function proxyRoutes(app: Hono, deps: ToxiproxyAppDeps, exclusive: Exclusive): void {
  const { proxies, hooks } = deps;
  const defaultListen = deps.defaultListen ?? LOOPBACK_LISTEN;

  // Go's JSON writes a map's keys sorted.
  app.get('/proxies', (c) => {
    const all: Record<string, ToxiproxyProxy> = {};
    for (const info of proxies.list().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) all[info.name] = renderProxy(info);
    return jsonBody(c, all);
  });

  app.post('/proxies', async (c) => {
    const definition = readProxyDefinition(await readObject(c), defaultListen);
    const created = await exclusive(async () => {
      if (proxies.get(definition.name)) throw proxyAlreadyExists();
      return createProxy(proxies, definition);
    });
    return jsonBody(c, renderProxy(created), 201);
  });

  // Errors are a JSON body here, not Go's http.Error: `{"error":…,"status":…,"proxies":[…]}` with
  // what was made before the entry that failed, `"proxies":null` when nothing was (an empty list too).
  app.post('/populate', async (c) => {
    const shown = (list: readonly ProxyInfo[]) => (list.length > 0 ? list.map(renderProxy) : null);
    try {
      const body = await readJson(c);
      const populated = await exclusive(() => populate(proxies, hooks, body, defaultListen));
      return jsonBody(c, { proxies: shown(populated) }, 201);
    } catch (error) {
      const failure = error instanceof PopulateFailure ? error : undefined;
      const { status, body } = toxiproxyErrorResponse(failure ? failure.error : error, deps.log);
      return jsonBody(c, { ...body, proxies: shown(failure?.populated ?? []) }, status);
    }
  });

  app.get('/proxies/:proxy', (c) => jsonBody(c, renderProxy(mustGetProxy(proxies, c.req.param('proxy')))));

  // Toxiproxy takes POST (deprecated there) and PATCH alike.
  app.on(['POST', 'PATCH'], '/proxies/:proxy', async (c) => {
    const name = c.req.param('proxy');
    mustGetProxy(proxies, name);
    const body = await readObject(c);
    const updated = await exclusive(async () => {
      const info = mustGetProxy(proxies, name);
      const changes = readProxyChanges(info, body, defaultListen);
      if (Object.keys(changes).length === 0) return info;
      return updateProxy(proxies, info, changes);
    });
    return jsonBody(c, renderProxy(updated));
  });

  app.delete('/proxies/:proxy', async (c) => {
    const name = c.req.param('proxy');
    await exclusive(async () => {
      const info = mustGetProxy(proxies, name);
      try {
        await proxies.delete(name);
      } finally {
        // A proxy that is gone took its toxics with it, even if closing its connections failed.
        if (!proxies.get(name)) await announceRemoved(hooks, name, toxicIds(info));
      }
    });
    return c.body(null, 204);
  });

  // Enables every proxy and removes every toxic, one proxy at a time so each removal is told.
  app.post('/reset', async (c) => {
    await exclusive(async () => {
      for (const info of proxies.list()) {
        if (!info.enabled) await updateProxy(proxies, info, { enabled: true });
        await removeToxics(proxies, hooks, info.name, toxicIds(proxies.get(info.name)));
      }
    });
    return c.body(null, 204);
  });

  // Toxiproxy 2.x answers JSON, with a space and a newline (older ones plain text).
  app.get('/version', (c) =>
    c.body(`{"version": ${JSON.stringify(deps.version ?? TOXIPROXY_VERSION)}}\n`, 200, {
      'Content-Type': 'application/json;charset=utf-8',
    }),
  );
}
