import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { findTagged, waitForExit } from '../../targets/proc.js';

/**
 * Starts a shop service detached (its own process group: a Ctrl-C meant for the demo reaches
 * the demo, which then stops the shop in order), output appended to its log.
 */
export function spawnService(command: readonly string[], cwd: string, log: string): ChildProcess {
  const [file, ...args] = command;
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a');
  try {
    const child = spawn(file ?? process.execPath, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', () => {
      // Reported by the caller through the exit that follows, with the log's tail.
    });
    child.unref();
    return child;
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

/**
 * Every process of this demo's shop — those the demo started and those a drill restarted —
 * found by the demo id in their command lines.
 */
export function demoProcesses(demoId: string): number[] {
  return findTagged(`--demo ${demoId} `).map((info) => info.pid);
}

/** Sends `signal` to each pid that still exists. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM to every process of the demo; SIGKILL to those still running after `graceMs`. */
export async function stopDemoProcesses(demoId: string, graceMs = 3000): Promise<void> {
  const pids = demoProcesses(demoId);
  signalAll(pids, 'SIGCONT'); // a paused service (process-pause) must be able to hear SIGTERM
  signalAll(pids, 'SIGTERM');
  const left = await waitForExit(pids, graceMs);
  signalAll(left, 'SIGKILL');
  await waitForExit(left, 2000);
}

export function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
