import { readFileSync } from 'node:fs';
import { UserError, errorMessage } from '../errors.js';
import { AgentClient } from '../agent-client/client.js';
import type { AgentClientOptions } from '../agent-client/client.js';
import type { AgentEndpoint } from '../agent-client/http-client.js';
import { ensureLocalAgent, findLocalAgent } from '../agent-client/local-agent.js';
import { LOCAL_AGENT } from '../agent-client/router.js';
import type { HaltState } from '../agent-protocol/api.js';
import type { Inventory, InventoryAgent } from '../targets/inventory.js';

export interface FleetOptions {
  readonly stateDir: string;
  readonly inventory: Inventory | undefined;
  /** Start the local agent when none runs (a run with faults); otherwise only use a running one. */
  readonly startLocal: boolean;
  readonly client?: Omit<AgentClientOptions, 'name'>;
  /**
   * Keep going when an inventory agent cannot be addressed (its token file is gone, say): it is
   * listed in `broken` instead. A halt, a resume or a look at the agents must reach all the
   * others; a run (the default) refuses to start.
   */
  readonly tolerateBroken?: boolean;
}

/** Every agent a command can reach: the local one and those of the inventory, by name. */
export interface Fleet {
  readonly agents: ReadonlyMap<string, AgentClient>;
  /** The halt state of the local agent when it was reached (or of its halt file). */
  readonly localHalt: HaltState | null;
  /** Agents that could not be addressed, with why (only with `tolerateBroken`). */
  readonly broken: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

export async function connectFleet(options: FleetOptions): Promise<Fleet> {
  const agents = new Map<string, AgentClient>();
  const local = options.startLocal ? await ensureLocalAgent({ stateDir: options.stateDir }) : await findLocalAgent(options.stateDir);
  if (local) agents.set(LOCAL_AGENT, new AgentClient(local, { ...options.client, name: LOCAL_AGENT }));
  const broken = new Map<string, string>();
  for (const agent of options.inventory?.agents.values() ?? []) {
    try {
      agents.set(agent.name, new AgentClient(endpointOf(agent), { ...options.client, name: agent.name }));
    } catch (error) {
      if (!options.tolerateBroken) throw error;
      broken.set(agent.name, errorMessage(error));
    }
  }
  return {
    agents,
    broken,
    localHalt: local?.status.halted ?? null,
    close: async () => {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
    },
  };
}

export function endpointOf(agent: InventoryAgent): AgentEndpoint {
  const token = agent.tokenEnv !== undefined ? process.env[agent.tokenEnv] : readOrUndefined(agent.tokenFile);
  if (!token) {
    const where = agent.tokenEnv !== undefined ? `environment variable ${agent.tokenEnv}` : `file ${agent.tokenFile ?? '?'}`;
    throw new UserError('FD_AGENT_TOKEN', `no token for agent ${agent.name}: ${where} is empty or missing`);
  }
  const ca = agent.ca === undefined ? undefined : readOrUndefined(agent.ca);
  if (agent.ca !== undefined && ca === undefined)
    throw new UserError('FD_AGENT_CA', `cannot read the CA file ${agent.ca} of agent ${agent.name}`);
  return { url: agent.url, token: token.trim(), ...(ca ? { ca } : {}) };
}

function readOrUndefined(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
