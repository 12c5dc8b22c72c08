import type { Hono } from 'hono';
import type { ToxiproxyAppDeps } from './app.js';
import { readObject } from './body.js';
import { toxicAlreadyExists, toxicNotFound } from './errors.js';
import { announceRemoved, removeToxics } from './hooks.js';
import type { Exclusive } from './hooks.js';
import { findToxic, mustGetProxy, renderProxy } from './proxy-shape.js';
import { jsonBody } from './respond.js';
import { asToxiproxyToxicError, newToxic, readToxicHead, rememberGiven, renderToxic, updatedToxic } from './toxic-shape.js';

/**
 * /proxies/{proxy}/toxics[/{toxic}]. Toxiproxy answers a new toxic with 200, not 201, and
 * looks the proxy up before it reads the body (404 before 400).
 */
export function toxicRoutes(app: Hono, deps: ToxiproxyAppDeps, exclusive: Exclusive): void {
  const { proxies, hooks } = deps;

  app.get('/proxies/:proxy/toxics', (c) => jsonBody(c, renderProxy(mustGetProxy(proxies, c.req.param('proxy'))).toxics));

  app.post('/proxies/:proxy/toxics', async (c) => {
    const proxy = c.req.param('proxy');
    mustGetProxy(proxies, proxy);
    const body = await readObject(c);
    const head = readToxicHead(body);
    const added = await exclusive(async () => {
      if (findToxic(mustGetProxy(proxies, proxy), head.name)) throw toxicAlreadyExists();
      const { spec, shown } = newToxic(head, body);
      await hooks?.beforeAdd?.(proxy, spec);
      try {
        rememberGiven(findToxic(proxies.addToxic(proxy, spec), spec.id), shown);
        await proxies.settled?.(); // Toxiproxy answers once the toxic acts
        return shown;
      } catch (error) {
        // Announced but refused: close it again for the hooks; the refusal is the answer.
        await announceRemoved(hooks, proxy, [spec.id]).catch(() => undefined);
        throw asToxiproxyToxicError(error, shown);
      }
    });
    return jsonBody(c, added);
  });

  app.get('/proxies/:proxy/toxics/:toxic', (c) => {
    const toxic = findToxic(mustGetProxy(proxies, c.req.param('proxy')), c.req.param('toxic'));
    if (!toxic) throw toxicNotFound();
    return jsonBody(c, renderToxic(toxic));
  });

  // Toxiproxy takes POST (deprecated there) and PATCH alike.
  app.on(['POST', 'PATCH'], '/proxies/:proxy/toxics/:toxic', async (c) => {
    const proxy = c.req.param('proxy');
    const id = c.req.param('toxic');
    mustGetProxy(proxies, proxy);
    const body = await readObject(c);
    const updated = await exclusive(async () => {
      const current = findToxic(mustGetProxy(proxies, proxy), id);
      if (!current) throw toxicNotFound();
      const { spec, shown } = updatedToxic(current, body);
      await hooks?.beforeAdd?.(proxy, spec);
      try {
        rememberGiven(findToxic(proxies.updateToxic(proxy, spec), id), shown);
        await proxies.settled?.();
        return shown;
      } catch (error) {
        throw asToxiproxyToxicError(error, shown);
      }
    });
    return jsonBody(c, updated);
  });

  app.delete('/proxies/:proxy/toxics/:toxic', async (c) => {
    const proxy = c.req.param('proxy');
    const id = c.req.param('toxic');
    await exclusive(async () => {
      if (!findToxic(mustGetProxy(proxies, proxy), id)) throw toxicNotFound();
      await removeToxics(proxies, hooks, proxy, [id]);
    });
    return c.body(null, 204);
  });
}
