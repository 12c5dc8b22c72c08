import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../util/log.js';
import type { ProxyManager } from '../proxy/api.js';
import { toxiproxyErrorResponse } from './errors.js';
import type { ToxiproxyErrorBody } from './errors.js';
import { exclusive } from './hooks.js';
import type { ToxicHooks } from './hooks.js';
import { proxyRoutes } from './proxy-endpoints.js';
import { toxicRoutes } from './toxic-endpoints.js';

export interface ToxiproxyAppDeps {
  readonly proxies: ProxyManager;
  /** What GET /version answers (`{"version": …}`); clients only show it. */
  readonly version: string;
  readonly hooks?: ToxicHooks;
  /** Where unexpected (500) errors are logged. */
  readonly log?: Logger;
}

/** A /populate of a few thousand proxies fits; anything near this is not a Toxiproxy request. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Toxiproxy's HTTP API (2.x, as its README and api.go define it) over Firedrill's fault proxies,
 * so test suites written against a Toxiproxy client keep working. Shapes, status codes and error
 * bodies (`{"error": "proxy not found", "status": 404}`) are Toxiproxy's; the toxics become
 * Firedrill toxics (./toxics.ts), and `hooks` let the agent record them in its ledger.
 *
 * Like Toxiproxy, it has no authentication (serve it on loopback) and refuses browsers, whose
 * user agent starts with `Mozilla/`: a web page could otherwise drive it from the user's machine.
 *
 * @example
 *   const app = createToxiproxyApp({ proxies: registry, version: '2.12.0-firedrill' });
 *   serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 8474 });
 */
export function createToxiproxyApp(deps: ToxiproxyAppDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toxiproxyErrorResponse(error, deps.log);
    return c.json(body, status);
  });
  // gorilla/mux's answer for a route it does not know.
  app.notFound((c) => c.text('404 page not found\n', 404));
  app.use('*', async (c, next) => {
    if (c.req.header('User-Agent')?.startsWith('Mozilla/')) return c.text('User agent not allowed\n', 403);
    await next();
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `bad request body: over ${MAX_BODY_BYTES} bytes`, status: 413 } satisfies ToxiproxyErrorBody, 413),
    }),
  );
  const changes = exclusive();
  proxyRoutes(app, deps, changes);
  toxicRoutes(app, deps, changes);
  return app;
}
