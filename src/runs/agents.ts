import { errorMessage } from '../errors.js';
import type { Inventory } from '../targets/inventory.js';
import { connectFleet } from './fleet.js';

export interface AgentView {
  readonly name: string;
  readonly reachable: boolean;
  readonly version?: string;
  readonly url?: string;
  readonly halted?: { readonly reason: string; readonly at: string } | null;
  /** Active faults: run id, fault id, type and when its lease ends. */
  readonly faults?: readonly { runId: string; faultId: string; type: string; leaseExpiresAt: number }[];
  readonly error?: string;
}

/** Every agent this host knows (its local one, the inventory's), as each answers now. */
export async function lookAtAgents(stateDir: string, inventory: Inventory | undefined): Promise<AgentView[]> {
  const fleet = await connectFleet({ stateDir, inventory, startLocal: false, tolerateBroken: true });
  try {
    const broken = [...fleet.broken].map(([name, error]): AgentView => ({ name, reachable: false, error }));
    const reached = await Promise.all(
      [...fleet.agents].map(async ([name, agent]): Promise<AgentView> => {
        try {
          const status = await agent.status();
          const faults = status.faults.map(({ runId, faultId, type, leaseExpiresAt }) => ({ runId, faultId, type, leaseExpiresAt }));
          return { name, reachable: true, version: status.version, url: status.url, halted: status.halted, faults };
        } catch (error) {
          return { name, reachable: false, error: errorMessage(error) };
        }
      }),
    );
    return [...reached, ...broken];
  } finally {
    await fleet.close();
  }
}
