import { isAbsolute, join, resolve } from 'node:path';
import { OperationalError } from '../errors.js';
import {
  CREATES_ACCOUNT,
  directoryDigest,
  LISTENS_ON,
  REACHES,
  reachedHosts,
  recordAllowed,
  writtenDirectory,
} from '../agent-daemon/allow-list.js';
import { AgentRouter } from '../agent-client/router.js';
import type { FaultExecutor } from '../engine/executor.js';
import type { RunObserver } from '../engine/events.js';
import type { ExpectationFeeds } from '../engine/expectation.js';
import type { Journal } from '../engine/journal.js';
import { runExperiment } from '../engine/run.js';
import type { Experiment, Step } from '../experiment/schema.js';
import type { LoadedExperiment } from '../experiment/load.js';
import type { Inventory } from '../targets/inventory.js';
import { createRunDirectory, EventsFile, newRunId, writeJournal } from './run-directory.js';
import { LocalDiscovery } from '../targets/discovery.js';
import { faultTypes } from '../faults/index.js';
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
  /** The run's id, when the caller named it first (the server stores the run before it starts). */
  readonly runId?: string;
  /** More observers (the server's store and live stream); they cannot break the run. */
  readonly observers?: readonly RunObserver[];
  /**
   * Add the experiment's disk-fill directories to the local agent's allow-list (the CLI: its
   * user owns this host). False for an experiment that came through an API: only the inventory
   * and the host's own allow.json decide what may be written there.
   */
  readonly allowFromExperiment?: boolean;
  /** Where the experiment's expectations hear alerts and declarations (the server's receiver); none from the CLI. */
  readonly feeds?: ExpectationFeeds;
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
  const faults = hasFaults(loaded.experiment.method);
  if (!options.dryRun && faults) allowWhatTheRunNeeds(options.stateDir, loaded, inventory, options.allowFromExperiment ?? true);
  const controller = new AbortController();
  const forward = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  // Faults run in agents, under leases: if this process dies, they are reverted all the same.
  const fleet = options.dryRun
    ? undefined
    : await connectFleet({
        stateDir: options.stateDir,
        inventory,
        startLocal: faults,
        client: {
          leaseTtlMs: options.leaseTtlMs,
          onHalt: (halt) => controller.abort(new Error(`halted: ${halt.reason}`)),
          onLeaseLost: (message) => controller.abort(new Error(message)),
          secrets: loaded.secrets, // the agents act on them but record and log them redacted
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
  const runId = options.runId ?? newRunId();
  const dir = createRunDirectory(options.stateDir, runId);
  const events = new EventsFile(join(dir, 'events.jsonl'));
  const observers: RunObserver[] = [events, ...(options.progress ? [options.progress] : []), ...(options.observers ?? [])];
  const executor = fleet ? new AgentRouter(fleet.agents) : dryRunExecutor;
  try {
    const journal = await runExperiment(
      loaded.experiment,
      {
        executor,
        probes: catalog.probes,
        discovery: new LocalDiscovery(inventory, fleet?.agents),
        observers,
        expectations: { matchers: catalog.expectations, feeds: options.feeds ?? {} },
      },
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
  return faultSteps(steps).length > 0;
}

type FaultStep = Extract<Step, { fault: string }>;

function faultSteps(steps: readonly Step[]): FaultStep[] {
  return steps.flatMap((step): FaultStep[] => {
    if ('fault' in step) return [step];
    return 'parallel' in step ? step.parallel.flatMap((child) => ('fault' in child ? [child] : [])) : [];
  });
}

/**
 * The local agent starts programs, reads pid files and fills directories only as its host's
 * allow-list says (a token is not enough). This CLI runs as the user who owns the state
 * directory, so it adds there what the run legitimately needs: the start commands and pid files
 * of the inventory's services on this machine, and the directories the experiment's disk-fill and
 * file-dropping techniques write into on this host (a directory named by a secret as its
 * digest, so allow.json holds no secret).
 */
function allowWhatTheRunNeeds(
  stateDir: string,
  { experiment, secrets }: LoadedExperiment,
  inventory: Inventory | undefined,
  fromExperiment: boolean,
): void {
  const services = [...(inventory?.services.values() ?? [])].filter((service) => service.agent === undefined);
  // Each step's parameters as the agent will see them (the fault's defaults filled in), parsed once.
  const steps = faultSteps(fromExperiment ? experiment.method : [])
    .filter((step) => !onAnotherHost(experiment, step))
    .map((step) => ({ fault: step.fault, params: effectiveParams(step) }));
  recordAllowed(stateDir, {
    start: services.flatMap((service) => (service.start ? [service.start] : [])),
    pidFiles: services.flatMap((service) => (service.match.pidFile !== undefined ? [service.match.pidFile] : [])),
    directories: steps.flatMap((step) => {
      const rootParam = CREATES_ACCOUNT[step.fault]?.root;
      const directory = writtenDirectory(step.fault, step.params) ?? (rootParam === undefined ? undefined : step.params[rootParam]);
      // A step output (`${steps.…}`) is known only during the run: the host must allow it by hand.
      if (typeof directory !== 'string' || !isAbsolute(directory) || directory.includes('${')) return [];
      if (CREATES_ACCOUNT[step.fault] && resolve(directory) === '/') return []; // the host's own accounts: allowed by name
      return [secrets.some((secret) => directory.includes(secret)) ? directoryDigest(directory) : resolve(directory)];
    }),
    ports: steps.flatMap((step) => {
      const param = LISTENS_ON[step.fault];
      const port = param === undefined ? undefined : step.params[param];
      return typeof port === 'number' ? [port] : [];
    }),
    users: steps.flatMap((step) => {
      const account = CREATES_ACCOUNT[step.fault];
      const name = account && step.params[account.name];
      return typeof name === 'string' && !name.includes('${') ? [name] : [];
    }),
    hosts: steps.flatMap((step) => {
      const param = REACHES[step.fault];
      return param === undefined ? [] : reachedHosts(step.params[param]).filter((h) => !h.includes('${'));
    }),
  });
}

/** A step's parameters as the agent will see them: with the fault's defaults (cron-persistence writes into /etc/cron.d unless told). */
function effectiveParams(step: FaultStep): Record<string, unknown> {
  const parsed = faultTypes.get(step.fault)?.params.safeParse(step.params);
  return parsed?.success ? (parsed.data as Record<string, unknown>) : step.params;
}

/** A host fault whose target set names another host's agent: that host's allow-list decides. */
function onAnotherHost(experiment: Experiment, step: FaultStep): boolean {
  const set = step.target !== undefined && Object.hasOwn(experiment.targets, step.target) ? experiment.targets[step.target] : undefined;
  return set?.kind === 'host' && set.selector.name !== 'local';
}

/** A dry run resolves and plans but never injects: reaching this executor is a bug. */
const dryRunExecutor: FaultExecutor = {
  inject: () => Promise.reject(new Error('dry run: no fault is injected')),
  revert: () => Promise.reject(new Error('dry run: no fault to revert')),
  close: () => Promise.resolve(),
};
