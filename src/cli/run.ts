import { relative, resolve } from 'node:path';
import { OperationalError, UserError, ValidationError } from '../errors.js';
import { DEFAULT_LEASE_TTL_MS } from '../agent-protocol/api.js';
import { parseDuration } from '../util/duration.js';
import { newSeed } from '../util/random.js';
import { executeRun } from '../runs/execute-run.js';
import { createRedactor, redactError } from '../util/redact.js';
import { exitCodeFor } from './exit-codes.js';
import { prepareExperiment } from '../runs/prepare.js';
import type { ExperimentOptions, Prepared } from '../runs/prepare.js';
import { ProgressObserver } from '../report/terminal-progress.js';

export interface RunCommandOptions extends ExperimentOptions {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly seed?: string;
  readonly stateDir: string;
  readonly quiet?: boolean;
  readonly leaseTtl?: string;
  /** Run on this control plane instead of here (run-remote.ts). */
  readonly server?: string;
  readonly tokenFile?: string;
}

/**
 * `firedrill run`: validate, run with progress, write the journal, exit with the verdict's code.
 * SIGINT/SIGTERM abort the run (every fault reverted, journal written); a second signal
 * during that cleanup is ignored with a notice, because leaving now would leave faults behind.
 */
export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const server = options.server ?? process.env.FIREDRILL_SERVER;
  if (server) return (await import('./run-remote.js')).runOnServer(file, { ...options, server });
  let prepared: Prepared;
  let seed: number;
  let leaseTtlMs: number;
  try {
    // Options first: a lease TTL the agents would refuse must not get as far as an injection.
    seed = parseSeed(options.seed);
    leaseTtlMs = parseLeaseTtl(options.leaseTtl);
    prepared = await prepareExperiment(file, options);
  } catch (error) {
    // Scripts reading --json get an answer on stdout too; people read the problems on stderr.
    if (options.json && error instanceof ValidationError) {
      const answer = { runId: null, verdict: null, reason: 'invalid input: nothing was run', problems: error.problems };
      process.stdout.write(`${JSON.stringify({ ...answer, problemCount: error.total })}\n`);
    } else if (options.json && error instanceof UserError) {
      process.stdout.write(`${JSON.stringify({ runId: null, verdict: null, reason: error.message, code: error.code })}\n`);
    }
    throw error;
  }
  try {
    return await execute(file, options, seed, leaseTtlMs, prepared);
  } catch (error) {
    const redacted = redactError(error, prepared.loaded.secrets);
    // Refused before it started (halted, no agent): scripts reading --json still get an answer.
    if (options.json && redacted instanceof OperationalError) {
      process.stdout.write(`${JSON.stringify({ runId: null, verdict: null, reason: redacted.message, code: redacted.code })}\n`);
    }
    throw redacted;
  }
}

async function execute(file: string, options: RunCommandOptions, seed: number, leaseTtlMs: number, prepared: Prepared): Promise<number> {
  // With --json, stdout carries one JSON object and nothing else: progress goes to stderr.
  const progress = options.quiet
    ? undefined
    : new ProgressObserver(options.json ? process.stderr : process.stdout, options.json ? false : undefined);
  const controller = new AbortController();
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted += 1;
    if (interrupted === 1) controller.abort(new Error(`interrupted by ${signal}`));
    else
      process.stderr.write(
        `firedrill: still reverting faults after ${signal}; wait, or faults may be left behind (then run \`firedrill recover\`)\n`,
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { runId, journal, journalPath } = await executeRun(prepared, {
      file,
      stateDir: options.stateDir,
      seed,
      dryRun: options.dryRun ?? prepared.loaded.experiment.runtime.dryRun,
      leaseTtlMs,
      ...(progress ? { progress } : {}),
      signal: controller.signal,
    });
    if (options.json) {
      const summary = {
        runId,
        verdict: journal.verdict,
        reason: journal.reason,
        journal: resolve(journalPath),
        durationMs: journal.durationMs,
        seed,
        findings: journal.findings,
      };
      process.stdout.write(`${JSON.stringify(createRedactor(prepared.loaded.secrets)(summary))}\n`);
    } else if (!options.quiet) {
      process.stdout.write(`journal ${relative(process.cwd(), journalPath) || journalPath}\n`);
    }
    return exitCodeFor(journal.verdict);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return newSeed();
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 32) throw new UserError('FD_BAD_SEED', `--seed expects a whole number, got "${text}"`);
  return Number(text);
}

/** Bounds of a lease: renewals need some room below; agents refuse leases over an hour (leaseTtlMs in agent-protocol). */
const MIN_LEASE_TTL_MS = 300;
const MAX_LEASE_TTL_MS = 3_600_000;

function parseLeaseTtl(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LEASE_TTL_MS;
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_LEASE_TTL_MS || ms > MAX_LEASE_TTL_MS)
    throw new UserError('FD_BAD_LEASE_TTL', `--lease-ttl expects a duration between 300ms and 1h, got "${text}"`);
  return Math.round(ms);
}
