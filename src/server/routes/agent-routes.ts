import type { Hono } from 'hono';
import { lookAtAgents } from '../../runs/agents.js';
import type { AgentView } from '../../runs/agents.js';
import type { Store } from '../../store/store.js';
import type { Inventory } from '../../targets/inventory.js';
import type { AuthVariables } from '../auth.js';
import type { ServerMetrics } from '../metrics.js';
import { z } from 'zod';
import { FiredrillError } from '../../errors.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import { can, need } from '../policy.js';

const registerSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, dot, dash, underscore'),
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).max(2000),
    labels: z.record(z.string().max(100), z.string().max(200)).default({}),
    /** Where this server's host keeps the agent's token: the token itself never enters the store. */
    tokenFile: z.string().min(1).max(4096).optional(),
    tokenEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
    ca: z.string().min(1).max(4096).optional(),
  })
  .refine(
    (a) => (a.tokenFile === undefined) !== (a.tokenEnv === undefined),
    'give tokenFile or tokenEnv (where this host keeps the token)',
  );

export interface AgentRouteDeps {
  readonly store: Store;
  readonly stateDir: string;
  readonly inventory: () => Promise<Inventory | undefined>;
  readonly metrics: ServerMetrics;
}

/**
 * The agents this server drives (its own host's, its inventory's, those registered here), as
 * they answer now; registering one (admin); and the Prometheus metrics. An active
 * fault of a secret run is shown only to those who may see secret runs: to others, the agent
 * reports its fault count without them.
 */
export function agentRoutes(app: Hono<{ Variables: AuthVariables }>, deps: AgentRouteDeps): void {
  /** Every agent as it answers now, with the labels of the registered ones; their last look kept. */
  const look = async (): Promise<(AgentView & { labels?: Record<string, string>; lastSeenAt?: number | null })[]> => {
    const agents = await lookAtAgents(deps.stateDir, await deps.inventory());
    deps.metrics.agentsUp(agents.filter((a) => a.reachable).length);
    const registered = new Map((await deps.store.agents.list()).map((a) => [a.name, a]));
    for (const agent of agents) if (registered.has(agent.name)) await deps.store.agents.seen(agent.name, agent);
    return agents.map((a) => {
      const entry = registered.get(a.name);
      return entry ? { ...a, labels: entry.labels, lastSeenAt: a.reachable ? Date.now() : entry.lastSeenAt } : a;
    });
  };

  app.post('/api/v1/agents', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'users.manage'));
    const body = await readJson(c, registerSchema);
    await deps.store.agents.register(body);
    await audit(deps.store, c, { action: 'agent.register', target: body.name, detail: { url: body.url, labels: body.labels } });
    return c.json({ agent: (await deps.store.agents.list()).find((a) => a.name === body.name) }, 201);
  });

  app.delete('/api/v1/agents/:name', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'users.manage'));
    const name = c.req.param('name');
    if (!(await deps.store.agents.remove(name))) throw new FiredrillError('FD_NOT_FOUND', `no registered agent ${name}`);
    await audit(deps.store, c, { action: 'agent.remove', target: name });
    return c.body(null, 204);
  });

  app.get('/api/v1/agents', async (c) => {
    const principal = c.get('principal');
    const agents = await look();
    if (can(principal, 'secrets.all')) return c.json({ agents });
    const hidden = await secretRunIds(deps.store, agents);
    return c.json({ agents: agents.map((a) => ({ ...a, ...(a.faults && { faults: a.faults.filter((f) => !hidden.has(f.runId)) }) })) });
  });

  app.get('/metrics', async (c) => {
    await look();
    deps.metrics.halted((await deps.store.settings.get('halt')) !== undefined);
    return c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType });
  });
}

/** Runs named by the agents' faults that are secret and not revealed. */
async function secretRunIds(store: Store, agents: readonly AgentView[]): Promise<Set<string>> {
  const ids = new Set(agents.flatMap((a) => a.faults?.map((f) => f.runId) ?? []));
  const hidden = new Set<string>();
  for (const id of ids) {
    const run = await store.runs.get(id);
    if (run?.secret && run.revealedAt === null) hidden.add(id);
  }
  return hidden;
}

/** For the OpenAPI document. */
export const agentSchemas = { register: registerSchema };
