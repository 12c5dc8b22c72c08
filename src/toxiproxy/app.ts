import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../util/log.js';
import type { ProxyManager } from '../proxy/api.js';
import { toxiproxyErrorResponse } from './errors.js';
import { exclusive } from './hooks.js';
import type { ToxicHooks } from './hooks.js';
import { proxyRoutes } from './proxy-endpoints.js';
import { REQUEST_ID_HEADER, requestId } from './request-id.js';
import { goErrorBody, goJson } from './respond.js';
import { toxicRoutes } from './toxic-endpoints.js';

export interface ToxiproxyAppDeps {
  readonly proxies: ProxyManager;
  /** What GET /version answers (`{"version": …}`): Toxiproxy's version by default, 2.12.0. */
  readonly version?: string;
  /**
   * Where a proxy created without a listen address listens. Toxiproxy takes a free port on every
   * interface; the default here is one of the loopback (`127.0.0.1:0`), the agent gives `:0` when
   * it runs `--insecure`.
   */
  readonly defaultListen?: string;
  readonly hooks?: ToxicHooks;
  /** Where unexpected (500) errors are logged. */
  readonly log?: Logger;
}

/** A /populate of a few thousand proxies fits; anything near this is not a Toxiproxy request. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Toxiproxy's routes: a path it knows asked with another method is 405 with no body (gorilla/mux). */
const PATHS = ['/reset', '/proxies', '/populate', '/proxies/:proxy', '/proxies/:proxy/toxics', '/proxies/:proxy/toxics/:toxic', '/version'];

/**
 * Toxiproxy's HTTP API (2.x, as its README and api.go define it) over Firedrill's fault proxies,
 * so test suites written against a Toxiproxy client keep working. Shapes, status codes, headers
 * and error bodies are Toxiproxy's: an error is Go's http.Error of the JSON
 * `{"error":"proxy not found","status":404}` (text/plain, a newline after it), every answer has
 * an `X-Toxiproxy-Request-Id`. The toxics become Firedrill toxics (./toxic-shape.ts), and
 * `hooks` let the agent record them in its ledger.
 *
 * Like Toxiproxy, it has no authentication (serve it on loopback) and refuses browsers, whose
 * user agent starts with `Mozilla/`: a web page could otherwise drive it from the user's machine.
 *
 * @example
 *   const app = createToxiproxyApp({ proxies: registry });
 *   serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 8474 });
 */
export function createToxiproxyApp(deps: ToxiproxyAppDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => apiError(c, error, deps.log));
  // gorilla/mux's answer for a route it does not know, through Go's http.NotFound.
  app.notFound((c) => goErrorBody(c, '404 page not found', 404));
  app.use('*', async (c, next) => {
    c.header(REQUEST_ID_HEADER, requestId());
    if (c.req.header('User-Agent')?.startsWith('Mozilla/')) return goErrorBody(c, 'User agent not allowed', 403);
    await next();
  });
  const tooLarge = goJson({ error: `bad request body: over ${MAX_BODY_BYTES} bytes`, status: 413 });
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => goErrorBody(c, tooLarge, 413) }));
  const changes = exclusive();
  proxyRoutes(app, deps, changes);
  toxicRoutes(app, deps, changes);
  for (const path of PATHS) app.all(path, (c) => c.body(null, 405));
  return app;
}

/** The one error boundary: `{"error":…,"status":…}` through Go's http.Error. */
function apiError(c: Context, error: unknown, log: Logger | undefined): Response {
  const { status, body } = toxiproxyErrorResponse(error, log);
  return goErrorBody(c, goJson(body), status);
}
