import type { ChildProcess } from 'node:child_process';

/** Grace between SIGTERM and SIGKILL when a probe's command must stop. */
export const KILL_GRACE_MS = 2000;

/**
 * Stops a child spawned with `detached: true` (so it leads its own process group) and
 * everything it started: SIGTERM to the group, SIGKILL to the group when the leader exits
 * (stragglers ignored our request) or after KILL_GRACE_MS, whichever comes first.
 */
export function stopProcessGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const kill = (signal: NodeJS.Signals): void => signalProcessGroup(pid, signal);
  const killAll = (): void => {
    clearTimeout(timer);
    kill('SIGKILL');
  };
  if (child.exitCode !== null || child.signalCode !== null) {
    kill('SIGKILL');
    return;
  }
  const timer = setTimeout(killAll, KILL_GRACE_MS);
  child.once('exit', killAll);
  kill('SIGTERM');
}

export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
