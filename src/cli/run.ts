import { join, relative, resolve } from 'node:path';
import { OperationalError, UserError, ValidationError } from '../errors.js';
import { DEFAULT_LEASE_TTL_MS } from '../agent/api.js';
import { AgentRouter } from '../agent/router.js';
import type { Step } from '../experiment/schema.js';
import { parseDuration } from '../util/duration.js';
import { connectFleet } from './fleet.js';
import { applyInventoryProxies } from './proxies.js';
import type { FaultExecutor } from '../engine/executor.js';
import type { RunObserver } from '../engine/events.js';
import { runExperiment } from '../engine/run.js';
import { LocalDiscovery } from '../targets/discovery.js';
import { createRunDirectory, EventsFile, newRunId, writeJournal } from '../runs/run-directory.js';
import { newSeed } from '../util/random.js';
import { createRedactor, redactError } from '../util/redact.js';
import { exitCodeFor } from './exit-codes.js';
import { prepareExperiment } from './prepare.js';
import type { ExperimentOptions, Prepared } from './prepare.js';
import { ProgressObserver } from './progress.js';

export interface RunCommandOptions extends ExperimentOptions {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly seed?: string;
  readonly stateDir: string;
  readonly quiet?: boolean;
  readonly leaseTtl?: string;
}

/**
 * `firedrill run`: validate, run with progress, write the journal, exit with the verdict's code.
 * SIGINT/SIGTERM abort the run (every fault reverted, journal written); a second signal
 * during that cleanup is ignored with a notice, because leaving now would leave faults behind.
 */
export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const seed = parseSeed(options.seed);
  let prepared: Prepared;
  try {
    prepared = await prepareExperiment(file, options);
  } catch (error) {
    // Scripts reading --json get an answer on stdout too; people read the problems on stderr.
    if (options.json && error instanceof ValidationError) {
      process.stdout.write(`${JSON.stringify({ runId: null, verdict: null, reason: 'invalid input: nothing was run', problems: error.problems })}\n`);
    }
    throw error;
  }
  try {
    return await execute(file, options, seed, prepared);
  } catch (error) {
    const redacted = redactError(error, prepared.loaded.secrets);
    // Refused before it started (halted, no agent): scripts reading --json still get an answer.
    if (options.json && redacted instanceof OperationalError) {
      process.stdout.write(`${JSON.stringify({ runId: null, verdict: null, reason: redacted.message, code: redacted.code })}\n`);
    }
    throw redacted;
  }
}

async function execute(file: string, options: RunCommandOptions, seed: number, { catalog, loaded, inventory }: Prepared): Promise<number> {
  const dryRun = options.dryRun ?? loaded.experiment.runtime.dryRun;
  const controller = new AbortController();
  // Faults run in agents, under leases: if this process dies, they are reverted all the same.
  const fleet = dryRun
    ? undefined
    : await connectFleet({
        stateDir: options.stateDir,
        inventory,
        startLocal: hasFaults(loaded.experiment.method),
        client: {
          leaseTtlMs: parseLeaseTtl(options.leaseTtl),
          onHalt: (halt) => controller.abort(new Error(`halted: ${halt.reason}`)),
          onLeaseLost: (message) => controller.abort(new Error(message)),
        },
      });
  if (fleet && inventory?.proxies.size) {
    try {
      await applyInventoryProxies(inventory, fleet.agents);
    } catch (error) {
      await fleet.close();
      throw error;
    }
  }
  if (fleet?.localHalt) {
    await fleet.close();
    throw new OperationalError('FD_HALTED', `Firedrill is halted since ${fleet.localHalt.at} (${fleet.localHalt.reason}): no run starts until \`firedrill resume\``);
  }
  const runId = newRunId();
  const dir = createRunDirectory(options.stateDir, runId);
  const events = new EventsFile(join(dir, 'events.jsonl'));
  // With --json, stdout carries one JSON object and nothing else: progress goes to stderr.
  const progressOut = options.json ? process.stderr : process.stdout;
  const progress = options.quiet ? undefined : new ProgressObserver(progressOut, options.json ? false : undefined);
  const observers: RunObserver[] = [events, ...(progress ? [progress] : [])];

  const executor = fleet ? new AgentRouter(fleet.agents) : dryRunExecutor;
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted += 1;
    if (interrupted === 1) controller.abort(new Error(`interrupted by ${signal}`));
    else process.stderr.write(`firedrill: still reverting faults after ${signal}; wait, or faults may be left behind (then run \`firedrill recover\`)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const journal = await runExperiment(
      loaded.experiment,
      { executor, probes: catalog.probes, discovery: new LocalDiscovery(inventory, fleet?.agents), observers },
      { runId, file, seed, dryRun, signal: controller.signal, secrets: loaded.secrets, variables: loaded.variables },
    );
    const journalPath = writeJournal(dir, journal);
    const shown = relative(process.cwd(), journalPath) || journalPath;
    if (options.json) {
      const summary = { runId, verdict: journal.verdict, reason: journal.reason, journal: resolve(journalPath), durationMs: journal.durationMs, seed, findings: journal.findings };
      process.stdout.write(`${JSON.stringify(createRedactor(loaded.secrets)(summary))}\n`);
    } else if (!options.quiet) {
      process.stdout.write(`journal ${shown}\n`);
    }
    return exitCodeFor(journal.verdict);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress?.close();
    events.close();
    await executor.close();
  }
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return newSeed();
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 32) throw new UserError('FD_BAD_SEED', `--seed expects a whole number, got "${text}"`);
  return Number(text);
}

function parseLeaseTtl(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LEASE_TTL_MS;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 300) throw new UserError('FD_BAD_LEASE_TTL', `--lease-ttl expects a duration of at least 300ms, got "${text}"`);
  return ms;
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
