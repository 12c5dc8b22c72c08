import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { FiredrillError } from '../../errors.js';
import { TAG_FLAG } from '../../engine/fault.js';
import type { FaultContext, FaultType, SweepableFault, SweepScope, Verification } from '../../engine/fault.js';
import { findTagged, readProcess, sendSignal, waitForExit } from '../../targets/proc.js';
import type { ProcessInfo } from '../../targets/proc.js';

/**
 * Stress workers are `node -e <script> -- --firedrill-tag=<tag> <deadline> <args…>`.
 *
 * The script is inline so the same code runs from TypeScript sources (tests) and compiled JS.
 * The tag in argv lets revert and the orphan sweep find them from the intent alone; the
 * deadline (epoch ms) makes them exit on their own if every Firedrill process died, because
 * the lifetime of a worker must never depend on its owner staying alive to kill it.
 */

/** Default bound when the step gives no duration: long enough for drills, short of forever. */
const DEFAULT_BOUND_MS = 3_600_000;
/** Slack after the step's duration: the engine reverts at the end of the step, this covers lag. */
const MARGIN_MS = 60_000;
const KILL_WAIT_MS = 2000;

export function workerDeadline(ctx: FaultContext<unknown>, maxDuration: number | undefined): number {
  const bound = maxDuration ?? (ctx.durationMs === undefined ? DEFAULT_BOUND_MS : ctx.durationMs + MARGIN_MS);
  return Date.now() + bound;
}

export interface WorkerOptions {
  /** Wait until the worker prints `ready` (after it did its set-up, e.g. touched its memory). */
  readonly waitReady?: boolean;
}

/** Starts one worker and resolves with its pid once it runs (and is ready, if asked). */
export async function spawnWorker(
  ctx: FaultContext<unknown>,
  script: string,
  deadline: number,
  args: readonly (string | number)[],
  options: WorkerOptions = {},
): Promise<number> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // a loader or inspector meant for Firedrill must not ride along
  const child = spawn(process.execPath, ['-e', script, '--', `${TAG_FLAG}${ctx.tag}`, String(deadline), ...args.map(String)], {
    detached: true, // own process group: a Ctrl-C aimed at the CLI is the CLI's to handle
    stdio: ['ignore', options.waitReady ? 'pipe' : 'ignore', 'ignore'],
    env,
  });
  try {
    await (options.waitReady ? ready(child, ctx.signal) : started(child));
  } finally {
    child.stdout?.destroy();
    child.unref();
  }
  return child.pid as number;
}

function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolve());
  });
}

function ready(child: ChildProcess, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      signal.removeEventListener('abort', onAbort);
      child.removeAllListeners('exit');
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => settle(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    child.once('error', settle);
    child.once('exit', (code, sig) => {
      settle(new FiredrillError('FD_WORKER_DIED', `worker exited before it was ready (${sig ?? `code ${code}`})`));
    });
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('ready')) settle();
    });
  });
}

function isWorkerOf(info: ProcessInfo | undefined, tag: string): info is ProcessInfo {
  // Exact argument, not a substring: tag fd-r-f1 must not select the workers of fd-r-f10.
  return info !== undefined && info.state !== 'Z' && info.argv.includes(`${TAG_FLAG}${tag}`);
}

export function findWorkers(tag: string): ProcessInfo[] {
  return findTagged(tag).filter((info) => isWorkerOf(info, tag));
}

/**
 * Kills the workers of `tag`: the recorded pids when known (only if they still carry the tag,
 * pids are reused), else whatever /proc shows with the tag (the state was lost in a crash).
 */
export async function stopWorkers(tag: string, pids: readonly number[] | undefined): Promise<void> {
  const victims = pids === undefined ? findWorkers(tag).map((info) => info.pid) : pids.filter((pid) => isWorkerOf(readProcess(pid), tag));
  for (const pid of victims) sendSignal(pid, 'SIGKILL'); // workers hold nothing worth a graceful exit
  const alive = await waitForExit(victims, KILL_WAIT_MS);
  if (alive.length > 0) throw new FiredrillError('FD_WORKERS_ALIVE', `workers still running after SIGKILL: ${alive.join(', ')}`);
}

export function verifyNoWorkers(tag: string): Verification {
  const left = findWorkers(tag).map((info) => info.pid);
  if (left.length > 0) return { ok: false, detail: `workers still running: pid ${left.join(', ')}` };
  return { ok: true, detail: `no process carries ${TAG_FLAG}${tag}` };
}

/**
 * Kills the workers running `script` (one fault type's) whose tag the scope calls an orphan:
 * what a crash between a revert and its record, or a revert that failed, left running.
 */
export async function sweepWorkers(script: string, what: string, scope: SweepScope): Promise<string[]> {
  const orphans: { pid: number; tag: string }[] = [];
  for (const info of findTagged(TAG_FLAG)) {
    const tag = info.argv.find((arg) => arg.startsWith(TAG_FLAG))?.slice(TAG_FLAG.length);
    if (tag !== undefined && info.argv.includes(script) && scope.isOrphan(tag)) orphans.push({ pid: info.pid, tag });
  }
  for (const { pid, tag } of orphans) {
    if (isWorkerOf(readProcess(pid), tag)) sendSignal(pid, 'SIGKILL');
  }
  const alive = await waitForExit(
    orphans.map((o) => o.pid),
    KILL_WAIT_MS,
  );
  return orphans.filter((o) => !alive.includes(o.pid)).map((o) => `${what} pid ${o.pid} (${o.tag})`);
}

/**
 * Revert, verify and sweep of a fault whose whole effect is worker processes running `script`
 * (cpu-stress, memory-pressure): stop the tagged workers, check none is left, sweep orphans.
 */
export function workerFaultPowers<P, S extends { readonly pids?: readonly number[] }>(
  script: string,
  what: string,
): Pick<FaultType<P, S>, 'revert' | 'verify'> & SweepableFault {
  return {
    async revert(ctx, state) {
      await stopWorkers(ctx.tag, state?.pids);
    },
    verify(ctx) {
      return Promise.resolve(verifyNoWorkers(ctx.tag));
    },
    /** Workers are told apart from other types' by their script. */
    sweep(scope) {
      return sweepWorkers(script, what, scope);
    },
  };
}
