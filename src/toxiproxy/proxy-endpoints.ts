import type { Hono } from 'hono';
import type { ToxiproxyAppDeps } from './app.js';
import { readJson, readObject } from './body.js';
import { proxyAlreadyExists } from './errors.js';
import { announceRemoved, removeToxics, toxicIds } from './hooks.js';
import type { Exclusive } from './hooks.js';
import { populate } from './populate.js';
import { createProxy, mustGetProxy, readProxyChanges, readProxyDefinition, renderProxy, updateProxy } from './proxy-shape.js';
import type { ToxiproxyProxy } from './proxy-shape.js';

/** Proxies, /populate, /reset and /version, with Toxiproxy's status codes. */
export function proxyRoutes(app: Hono, deps: ToxiproxyAppDeps, exclusive: Exclusive): void {
  const { proxies, hooks } = deps;

  app.get('/proxies', (c) => {
    const all: Record<string, ToxiproxyProxy> = {};
    for (const info of proxies.list()) all[info.name] = renderProxy(info);
    return c.json(all);
  });

  app.post('/proxies', async (c) => {
    const definition = readProxyDefinition(await readObject(c));
    const created = await exclusive(async () => {
      if (proxies.get(definition.name)) throw proxyAlreadyExists();
      return createProxy(proxies, definition);
    });
    return c.json(renderProxy(created), 201);
  });

  app.post('/populate', async (c) => {
    const body = await readJson(c);
    const populated = await exclusive(() => populate(proxies, hooks, body));
    return c.json({ proxies: populated.map(renderProxy) }, 201);
  });

  app.get('/proxies/:proxy', (c) => c.json(renderProxy(mustGetProxy(proxies, c.req.param('proxy')))));

  // Toxiproxy takes POST (deprecated there) and PATCH alike.
  app.on(['POST', 'PATCH'], '/proxies/:proxy', async (c) => {
    const name = c.req.param('proxy');
    mustGetProxy(proxies, name);
    const body = await readObject(c);
    const updated = await exclusive(async () => {
      const info = mustGetProxy(proxies, name);
      const changes = readProxyChanges(info, body);
      if (Object.keys(changes).length === 0) return info;
      return updateProxy(proxies, info, changes);
    });
    return c.json(renderProxy(updated));
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

  // Toxiproxy 2.x answers JSON (older ones plain text); clients read it as text either way.
  app.get('/version', (c) =>
    c.body(`{"version": ${JSON.stringify(deps.version)}}\n`, 200, { 'Content-Type': 'application/json;charset=utf-8' }),
  );
}
