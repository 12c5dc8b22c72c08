import { join, relative, resolve } from 'node:path';
import { UserError, ValidationError } from '../errors.js';
import type { AnyFaultType } from '../engine/fault.js';
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
    throw redactError(error, prepared.loaded.secrets);
  }
}

async function execute(file: string, options: RunCommandOptions, seed: number, { catalog, loaded, inventory }: Prepared): Promise<number> {
  const dryRun = options.dryRun ?? loaded.experiment.runtime.dryRun;
  const runId = newRunId();
  const dir = createRunDirectory(options.stateDir, runId);
  const events = new EventsFile(join(dir, 'events.jsonl'));
  // With --json, stdout carries one JSON object and nothing else: progress goes to stderr.
  const progressOut = options.json ? process.stderr : process.stdout;
  const progress = options.quiet ? undefined : new ProgressObserver(progressOut, options.json ? false : undefined);
  const observers: RunObserver[] = [events, ...(progress ? [progress] : [])];

  const executor = dryRun ? dryRunExecutor : await localExecutor(options.stateDir, dir, catalog.faults);
  const controller = new AbortController();
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted += 1;
    if (interrupted === 1) controller.abort(new Error(`received ${signal}`));
    else process.stderr.write(`firedrill: still reverting faults after ${signal}; wait, or faults may be left behind (then run \`firedrill recover\`)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const journal = await runExperiment(
      loaded.experiment,
      { executor, probes: catalog.probes, discovery: new LocalDiscovery(inventory), observers },
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

async function localExecutor(stateDir: string, workDir: string, faults: ReadonlyMap<string, AnyFaultType>): Promise<FaultExecutor> {
  const [{ Ledger, ledgerFile }, { LocalExecutor }] = await Promise.all([import('../agent/ledger.js'), import('../agent/local-executor.js')]);
  // The executor owns the ledger and closes it.
  return new LocalExecutor({ ledger: new Ledger(ledgerFile(stateDir)), faults, workDir });
}

/** A dry run resolves and plans but never injects: reaching this executor is a bug. */
const dryRunExecutor: FaultExecutor = {
  inject: () => Promise.reject(new Error('dry run: no fault is injected')),
  revert: () => Promise.reject(new Error('dry run: no fault to revert')),
  close: () => Promise.resolve(),
};
