import type { FaultContext, Verification } from '../../engine/fault.js';
import type { ProcessTarget } from '../../engine/target.js';
import { findMatching } from '../../targets/match.js';
import { isAlive, readProcess, waitUntil } from '../../targets/proc.js';
import { readStartedPid, startService } from './process.js';

/** The same program still runs under the pid we hit (it never went down). */
function stillRunning(pid: number, target: ProcessTarget): boolean {
  const info = readProcess(pid);
  return info !== undefined && info.state !== 'Z' && (!target.name || info.comm === target.name);
}

/** Pids matching the target's service other than the target itself: replicas, supervisors' children. */
export function otherReplicas(target: ProcessTarget): number[] | undefined {
  if (!target.match) return undefined;
  return findMatching(target.match)
    .map((info) => info.pid)
    .filter((pid) => pid !== target.pid);
}

/**
 * Starts the service again unless it is already back. Idempotent, because crash recovery may
 * revert a fault whose revert already ran: it skips when the original never went down, when
 * a process we started is alive, or when a matching process appeared that was not there at
 * inject time (a supervisor restarted it). `before` is undefined when the state was lost.
 */
export async function startAgainIfDown(
  ctx: FaultContext<unknown>,
  target: ProcessTarget,
  pid: number,
  before: readonly number[] | undefined,
): Promise<void> {
  if (!target.start || stillRunning(pid, target)) return;
  const started = readStartedPid(ctx);
  if (started !== undefined && isAlive(started)) return;
  if (target.match && before) {
    const newcomer = findMatching(target.match).some((info) => info.pid !== pid && !before.includes(info.pid));
    if (newcomer) return;
  }
  await startService(ctx, target.start);
}

/** How long verify gives a restarted service to show up (it may fork or exec a wrapper). */
const SHOW_UP_MS = 2000;

/** Finds the service running again: prefers the process the revert started, reports its pid. */
export async function verifyRunningAgain(ctx: FaultContext<unknown>, target: ProcessTarget, pid: number): Promise<Verification> {
  const look = (): string | undefined => {
    const started = readStartedPid(ctx);
    if (target.match) {
      const matches = findMatching(target.match);
      const found = matches.find((info) => info.pid === started) ?? matches[0];
      return found && `pid ${found.pid} matches the service (state ${found.state})`;
    }
    if (started !== undefined && isAlive(started)) return `pid ${started} is running (started by revert)`;
    return stillRunning(pid, target) ? `pid ${pid} is still running` : undefined;
  };
  const detail = await waitUntil(look, (found) => found !== undefined, SHOW_UP_MS);
  return detail ? { ok: true, detail } : { ok: false, detail: `pid ${pid} was not restarted: no running process of the service found` };
}
