import { errorMessage } from '../errors.js';
import { clearHalt, writeHalt } from '../agent-protocol/halt-file.js';
import { LOCAL_AGENT } from '../agent-client/router.js';
import type { Inventory } from '../targets/inventory.js';
import { connectFleet } from './fleet.js';

export interface AgentHaltResult {
  readonly agent: string;
  readonly ok: boolean;
  readonly reverted?: number;
  readonly unverified?: number;
  readonly latencyMs?: number;
  readonly error?: string;
}

export interface HaltOutcome {
  readonly halted: { readonly reason: string; readonly at: string };
  /** True when no local agent ran: the halt is in the state directory, for the next one. */
  readonly recordedOnly: boolean;
  readonly agents: AgentHaltResult[];
}

/**
 * Every agent this host knows (the local one, the inventory's) reverts every active fault at
 * once and refuses new injections. The halt is also written to the state directory, so a
 * local agent that is not running now starts halted. Runs learn it at their next renewal.
 */
export async function haltEverywhere(options: {
  stateDir: string;
  inventory: Inventory | undefined;
  reason: string;
}): Promise<HaltOutcome> {
  const halted = { reason: options.reason, at: new Date().toISOString() };
  const fleet = await connectFleet({ stateDir: options.stateDir, inventory: options.inventory, startLocal: false, tolerateBroken: true });
  try {
    const recordedOnly = !fleet.agents.has(LOCAL_AGENT);
    if (recordedOnly) writeHalt(options.stateDir, halted);
    const agents = await Promise.all(
      [...fleet.agents].map(async ([name, agent]): Promise<AgentHaltResult> => {
        try {
          const answer = await agent.halt(halted.reason);
          const unverified = answer.reverted.filter((r) => !r.verification.ok).length;
          return { agent: name, ok: true, reverted: answer.reverted.length, unverified, latencyMs: answer.latencyMs };
        } catch (error) {
          return { agent: name, ok: false, error: errorMessage(error) };
        }
      }),
    );
    for (const [name, error] of fleet.broken) agents.push({ agent: name, ok: false, error });
    return { halted, recordedOnly, agents };
  } finally {
    await fleet.close();
  }
}

/** Lifts the halt everywhere this host can reach. */
export async function resumeEverywhere(options: {
  stateDir: string;
  inventory: Inventory | undefined;
}): Promise<{ agent: string; ok: boolean; error?: string }[]> {
  clearHalt(options.stateDir);
  const fleet = await connectFleet({ stateDir: options.stateDir, inventory: options.inventory, startLocal: false, tolerateBroken: true });
  try {
    const broken = [...fleet.broken].map(([agent, error]) => ({ agent, ok: false, error }));
    const reached = await Promise.all(
      [...fleet.agents].map(async ([name, agent]) => {
        try {
          await agent.resume();
          return { agent: name, ok: true };
        } catch (error) {
          return { agent: name, ok: false, error: errorMessage(error) };
        }
      }),
    );
    return [...reached, ...broken];
  } finally {
    await fleet.close();
  }
}
