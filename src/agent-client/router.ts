import { UserError } from '../errors.js';
import type { FaultExecutor, FaultRef, FaultRequest, InjectedFault, RevertedFault } from '../engine/executor.js';
import type { Verification } from '../engine/fault.js';
import { didYouMean } from '../util/suggest.js';

/** The agent that runs faults on this machine; inventory agents have their own names. */
export const LOCAL_AGENT = 'local';

/**
 * One run, several hosts: sends each fault to the agent of its target (`target.agent`, the
 * local agent when absent) and each revert to the agent that took the fault.
 */
export class AgentRouter implements FaultExecutor {
  private readonly owners = new Map<string, FaultExecutor>();

  constructor(private readonly agents: ReadonlyMap<string, FaultExecutor>) {}

  inject(request: FaultRequest, signal: AbortSignal): Promise<InjectedFault> {
    const name = request.target.agent ?? LOCAL_AGENT;
    const agent = this.agents.get(name);
    if (!agent) {
      return Promise.reject(
        new UserError(
          'FD_UNKNOWN_AGENT',
          `no agent "${name}" for ${request.type}${didYouMean(name, this.agents.keys())}; agents: ${[...this.agents.keys()].join(', ')}`,
        ),
      );
    }
    this.owners.set(key(request), agent);
    return agent.inject(request, signal);
  }

  revert(fault: FaultRef): Promise<RevertedFault> {
    const agent = this.owners.get(key(fault));
    if (!agent)
      return Promise.reject(
        new UserError('FD_UNKNOWN_FAULT', `fault ${fault.faultId} of run ${fault.runId} was not injected through this run`),
      );
    return agent.revert(fault);
  }

  contained(fault: FaultRef): Promise<Verification | null> {
    return this.owners.get(key(fault))?.contained?.(fault) ?? Promise.resolve(null);
  }

  /** Tells every agent the run is over (all of them: an injection may be on its way to any). */
  async endRun(runId: string, reason: string): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.endRun?.(runId, reason) ?? Promise.resolve()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
  }
}

function key(fault: FaultRef): string {
  return `${fault.runId}\u0000${fault.faultId}`;
}
