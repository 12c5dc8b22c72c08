import { isTechnique, tacticsOf } from '../techniques/technique.js';
import { Hono } from 'hono';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RunCatalog } from '../runs/catalog.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/log.js';
import { authenticate } from './auth.js';
import { mayReach, need } from './policy.js';
import type { AuthVariables } from './auth.js';
import { audit } from './audit-trail.js';
import { errorResponse } from './errors.js';
import { openApiDocument } from './openapi.js';
import { webRoutes } from './web-assets.js';
import type { ServerError } from './errors.js';
import { auditRoutes } from './routes/audit-routes.js';
import { experimentRoutes } from './routes/experiment-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { agentRoutes } from './routes/agent-routes.js';
import { haltRoutes } from './routes/halt-routes.js';
import type { ServerMetrics } from './metrics.js';
import { runRoutes } from './routes/run-routes.js';
import type { Inventory } from '../targets/inventory.js';
import { userRoutes } from './routes/user-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { drillRoutes } from './routes/drill-routes.js';
import { incidentRoutes } from './routes/incident-routes.js';
import { alertReceiverWithTokenInPath, alertRoutes } from './routes/alert-routes.js';
import type { AlertInbox } from './alert-inbox.js';
import type { GameDayService } from './gameday-service.js';
import { gameDayRoutes } from './routes/gameday-routes.js';
import { coverageRoutes } from './routes/coverage-routes.js';
import type { DrillService } from './drill-service.js';
import type { RunService } from './run-service.js';

export interface ServerAppDeps {
  readonly store: Store;
  readonly catalog: RunCatalog;
  readonly log: Logger;
  readonly version: string;
  /** Under TLS: session cookies are sent only over it. */
  readonly secureCookies: boolean;
  readonly runs: RunService;
  readonly stateDir: string;
  readonly inventory: () => Promise<Inventory | undefined>;
  readonly metrics: ServerMetrics;
  readonly drills: DrillService;
  /** Alerts received, for the runs' expectations. */
  readonly alerts: AlertInbox;
  readonly gamedays: GameDayService;
  /** The built dashboard (dist/web); none: the API alone. */
  readonly webDir?: string | undefined;
}

/** A request body larger than this is refused before it is read (an experiment is far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The control plane's API under /api/v1 (hono): one error boundary, bodies capped, everything
 * but login and health behind a token or a session. A refused change is audited too.
 */
export function createServerApp(deps: ServerAppDeps): Hono<{ Variables: AuthVariables }> {
  const { store, log } = deps;
  const app = new Hono<{ Variables: AuthVariables }>();
  app.onError(async (error, c) => {
    const { status, body } = errorResponse(error, log);
    if (MUTATING.has(c.req.method) && (status === 401 || status === 403) && c.req.path !== '/api/v1/login') {
      await audit(store, c, { action: `${c.req.method} ${c.req.path}`, outcome: `denied: ${body.error.code}` }).catch((e: unknown) =>
        log.error('could not audit a refused request', { error: e }),
      );
    }
    return c.json(body, status);
  });
  app.notFound((c) =>
    c.json({ error: { code: 'FD_NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } } satisfies ServerError, 404),
  );
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json({ error: { code: 'FD_BODY_TOO_LARGE', message: `the body is over ${MAX_BODY_BYTES} bytes` } } satisfies ServerError, 413),
    }),
  );
  app.get('/api/v1/health', (c) => c.json({ ok: true, version: deps.version }));
  const openApi = openApiDocument(deps.version);
  app.get('/api/v1/openapi.json', (c) => c.json(openApi));
  sessionRoutes(app as unknown as Hono, store, { secureCookies: deps.secureCookies });
  alertReceiverWithTokenInPath(app as unknown as Hono, store, deps.alerts);
  app.use('/api/v1/*', authenticate(store));
  const reach: MiddlewareHandler<{ Variables: AuthVariables }> = async (c, next) => {
    need(c.get('principal'), mayReach(c.get('principal'), c.req.method, c.req.path));
    await next();
  };
  app.use('/api/v1/*', reach);
  app.use('/metrics', authenticate(store), reach);
  experimentRoutes(app, store, deps.catalog);
  runRoutes(app, store, deps.runs);
  haltRoutes(app, { store, runs: deps.runs, stateDir: deps.stateDir, inventory: deps.inventory, log, metrics: deps.metrics });
  agentRoutes(app, { store, stateDir: deps.stateDir, inventory: deps.inventory, metrics: deps.metrics });
  userRoutes(app, store);
  auditRoutes(app, store);
  webhookRoutes(app, store);
  drillRoutes(app, { store, catalog: deps.catalog, drills: deps.drills, inventory: deps.inventory });
  incidentRoutes(app, store);
  alertRoutes(app, deps.alerts, store);
  gameDayRoutes(app, store, deps.gamedays, {
    inventory: deps.inventory,
    faultKinds: [...deps.catalog.faults.keys()],
    techniques: [...deps.catalog.faults.values()]
      .flatMap((type) => (isTechnique(type) ? [{ id: type.attack.id, name: type.attack.name, tactics: tacticsOf(type.attack.id) }] : []))
      .sort((a, b) => a.id.localeCompare(b.id)),
  });
  coverageRoutes(app, store, deps.gamedays);
  if (deps.webDir) webRoutes(app as unknown as Hono, deps.webDir);
  return app;
}
