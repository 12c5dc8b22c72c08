import { join } from 'node:path';
import { OperationalError } from '../errors.js';
import { AgentRouter } from '../agent-client/router.js';
import type { FaultExecutor } from '../engine/executor.js';
import type { RunObserver } from '../engine/events.js';
import type { Journal } from '../engine/journal.js';
import { runExperiment } from '../engine/run.js';
import type { Step } from '../experiment/schema.js';
import { createRunDirectory, EventsFile, newRunId, writeJournal } from './run-directory.js';
import { LocalDiscovery } from '../targets/discovery.js';
import { connectFleet } from './fleet.js';
import type { Prepared } from './prepare.js';
import { applyInventoryProxies } from './inventory-proxies.js';

export interface ExecuteOptions {
  readonly file: string;
  readonly stateDir: string;
  readonly seed: number;
  readonly dryRun: boolean;
  readonly leaseTtlMs: number;
  /** Terminal progress, or none. */
  readonly progress?: RunObserver & { close(): void };
  /** Aborts the run (SIGINT, a demo being stopped): every fault reverted, journal written. */
  readonly signal?: AbortSignal;
}

export interface Executed {
  readonly runId: string;
  readonly journal: Journal;
  readonly journalPath: string;
}

/**
 * One run through the agents, as `firedrill run` and `firedrill demo` do it: connect the fleet
 * (start the local agent if needed), apply the inventory's proxies, refuse when halted, run with
 * events on disk, write the journal.
 */
export async function executeRun({ catalog, loaded, inventory }: Prepared, options: ExecuteOptions): Promise<Executed> {
  const controller = new AbortController();
  const forward = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  // Faults run in agents, under leases: if this process dies, they are reverted all the same.
  const fleet = options.dryRun
    ? undefined
    : await connectFleet({
        stateDir: options.stateDir,
        inventory,
        startLocal: hasFaults(loaded.experiment.method),
        client: {
          leaseTtlMs: options.leaseTtlMs,
          onHalt: (halt) => controller.abort(new Error(`halted: ${halt.reason}`)),
          onLeaseLost: (message) => controller.abort(new Error(message)),
        },
      });
  try {
    if (fleet && inventory?.proxies.size) await applyInventoryProxies(inventory, fleet.agents);
    if (fleet?.localHalt) {
      throw new OperationalError(
        'FD_HALTED',
        `Firedrill is halted since ${fleet.localHalt.at} (${fleet.localHalt.reason}): no run starts until \`firedrill resume\``,
      );
    }
  } catch (error) {
    options.signal?.removeEventListener('abort', forward);
    await fleet?.close();
    throw error;
  }
  const runId = newRunId();
  const dir = createRunDirectory(options.stateDir, runId);
  const events = new EventsFile(join(dir, 'events.jsonl'));
  const observers: RunObserver[] = [events, ...(options.progress ? [options.progress] : [])];
  const executor = fleet ? new AgentRouter(fleet.agents) : dryRunExecutor;
  try {
    const journal = await runExperiment(
      loaded.experiment,
      { executor, probes: catalog.probes, discovery: new LocalDiscovery(inventory, fleet?.agents), observers },
      {
        runId,
        file: options.file,
        seed: options.seed,
        dryRun: options.dryRun,
        signal: controller.signal,
        secrets: loaded.secrets,
        variables: loaded.variables,
      },
    );
    return { runId, journal, journalPath: writeJournal(dir, journal) };
  } finally {
    options.signal?.removeEventListener('abort', forward);
    options.progress?.close();
    events.close();
    await executor.close();
  }
}

function hasFaults(steps: readonly Step[]): boolean {
  return steps.some((step) => 'fault' in step || ('parallel' in step && step.parallel.some((child) => 'fault' in child)));
}

/** A dry run resolves and plans but never injects: reaching this executor is a bug. */
const dryRunExecutor: FaultExecutor = {
  inject: () => Promise.reject(new Error('dry run: no fault is injected')),
  revert: () => Promise.reject(new Error('dry run: no fault to revert')),
  close: () => Promise.resolve(),
};
