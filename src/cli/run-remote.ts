import { basename } from 'node:path';
import { FiredrillError, UserError, ValidationError } from '../errors.js';
import type { RunEvent } from '../engine/events.js';
import type { Verdict } from '../engine/journal.js';
import { readText } from '../experiment/load.js';
import { ProgressObserver } from '../report/terminal-progress.js';
import { parseVars } from '../runs/prepare.js';
import { ControlPlaneClient } from '../server-client/client.js';
import { exitCodeFor, EXIT } from './exit-codes.js';
import { readToken } from './token.js';

export interface RemoteRunOptions {
  readonly server: string;
  readonly tokenFile?: string;
  readonly var: readonly string[];
  readonly varFile: readonly string[];
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly seed?: string;
}

/**
 * `firedrill run FILE --server URL`: the server runs it (its agents, its store) while this
 * process shows its progress from the live stream and exits with the verdict's code, as a
 * local run would — the CI gate. Ctrl-C cancels the run on the server (every fault reverted).
 */
export async function runOnServer(file: string, options: RemoteRunOptions): Promise<number> {
  try {
    return await runThere(file, options);
  } catch (error) {
    // Scripts reading --json get an answer on stdout too, as from a local run.
    if (options.json && error instanceof FiredrillError) {
      const problems = error instanceof ValidationError ? { problems: error.problems, problemCount: error.total } : {};
      process.stdout.write(`${JSON.stringify({ runId: null, verdict: null, reason: error.message, code: error.code, ...problems })}\n`);
    }
    throw error;
  }
}

async function runThere(file: string, options: RemoteRunOptions): Promise<number> {
  if (options.varFile.length > 0)
    throw new UserError('FD_VAR_FILE_REMOTE', '--var-file is not sent to a server: pass the values with --var');
  const client = new ControlPlaneClient(options.server.replace(/\/+$/, ''), readToken(options.tokenFile));
  const seed = options.seed === undefined ? undefined : Number(options.seed);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0))
    throw new UserError('FD_BAD_SEED', `--seed expects a whole number, got "${options.seed}"`);
  const run = await client.startRun(file, {
    yaml: readText(file, 'experiment'),
    name: basename(file),
    vars: { ...parseVars(options.var) },
    dryRun: options.dryRun ?? false,
    ...(seed !== undefined && { seed }),
  });
  const progress = options.quiet
    ? undefined
    : new ProgressObserver(options.json ? process.stderr : process.stdout, options.json ? false : undefined);
  const cancel = (signal: NodeJS.Signals) => {
    process.stderr.write(`firedrill: ${signal}: cancelling run ${run.id} on the server (its faults are reverted there)\n`);
    void client.cancel(run.id, `interrupted by ${signal} in the CLI`);
  };
  process.on('SIGINT', cancel).on('SIGTERM', cancel);
  let outcome: { verdict: Verdict | null; reason: string | null } = { verdict: null, reason: null };
  try {
    await client.follow(run.id, (event) => {
      if (event.event === 'end') outcome = JSON.parse(event.data) as typeof outcome;
      else progress?.onEvent({ ...(JSON.parse(event.data) as object), runId: run.id } as RunEvent);
    });
  } finally {
    process.off('SIGINT', cancel).off('SIGTERM', cancel);
    progress?.close();
  }
  if (options.json) process.stdout.write(`${JSON.stringify({ runId: run.id, server: options.server, ...outcome })}\n`);
  else if (!options.quiet) process.stdout.write(`run ${run.id} on ${options.server}\n`);
  return outcome.verdict ? exitCodeFor(outcome.verdict) : EXIT.toolFailure;
}
