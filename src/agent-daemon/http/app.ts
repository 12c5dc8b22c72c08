import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AgentStatus, ApiError } from '../../agent-protocol/api.js';
import type { Logger } from '../../util/log.js';
import { bearerAuth } from './auth.js';
import { errorResponse } from './errors.js';
import type { FaultKeeper } from './keeper.js';
import { controlRoutes } from './control-routes.js';
import { faultRoutes } from './fault-routes.js';
import { proxyRoutes } from './proxy-routes.js';
import type { ProxyManager } from '../../proxy/api.js';
import type { HostAllow } from '../host-allow.js';
import type { Ledger } from '../ledger.js';
import type { Sweeper } from './sweeper.js';

/** Who the agent is, for GET /v1/status (the halt state and faults come from the keeper). */
export type AgentIdentity = Omit<AgentStatus, 'halted' | 'faults'>;

export interface AgentAppDeps {
  readonly token: string;
  readonly keeper: FaultKeeper;
  readonly proxies: ProxyManager;
  /** Remembers the proxies made through the API, for the next start. */
  readonly ledger: Ledger;
  /** What requests may make this host run, read or write (pid files for discovery). */
  readonly allow: HostAllow;
  readonly sweeper: Sweeper;
  readonly identity: () => AgentIdentity;
  readonly log: Logger;
  /** Told when an authenticated request starts and ends: the daemon's idle clock. */
  readonly activity?: { begin(): void; end(): void };
}

/** Bodies are a fault request at most: anything near this is not one of ours. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The agent's HTTP API (routes and bodies in ../api.ts), as a hono app: the daemon serves it,
 * tests call `app.request()` in-process. Order matters: the token is checked before anything
 * reads the body or counts as activity.
 */
export function createAgentApp(deps: AgentAppDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = errorResponse(error, deps.log);
    return c.json(body, status);
  });
  app.notFound((c) => {
    const body: ApiError = { error: { code: 'FD_NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } };
    return c.json(body, 404);
  });
  app.use('*', bearerAuth(deps.token));
  app.use('*', async (_c, next) => {
    deps.activity?.begin();
    try {
      await next();
    } finally {
      deps.activity?.end();
    }
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json({ error: { code: 'FD_BODY_TOO_LARGE', message: `the body is over ${MAX_BODY_BYTES} bytes` } } satisfies ApiError, 413),
    }),
  );
  faultRoutes(app, deps);
  controlRoutes(app, deps);
  proxyRoutes(app, deps);
  return app;
}
