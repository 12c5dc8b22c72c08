import type { Hono } from 'hono';
import { lookAtAgents } from '../../runs/agents.js';
import type { AgentView } from '../../runs/agents.js';
import type { Store } from '../../store/store.js';
import type { Inventory } from '../../targets/inventory.js';
import type { AuthVariables } from '../auth.js';
import type { ServerMetrics } from '../metrics.js';
import { can } from '../policy.js';

export interface AgentRouteDeps {
  readonly store: Store;
  readonly stateDir: string;
  readonly inventory: () => Inventory | undefined;
  readonly metrics: ServerMetrics;
}

/**
 * The agents this server drives, as they answer now; and its Prometheus metrics. An active
 * fault of a secret run is shown only to those who may see secret runs: to others, the agent
 * reports its fault count without them.
 */
export function agentRoutes(app: Hono<{ Variables: AuthVariables }>, deps: AgentRouteDeps): void {
  const look = async (): Promise<AgentView[]> => {
    const agents = await lookAtAgents(deps.stateDir, deps.inventory());
    deps.metrics.agentsUp(agents.filter((a) => a.reachable).length);
    return agents;
  };

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
