import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../errors.js';
import type { FaultContext } from '../../engine/fault.js';
import type { ProcessTarget, ResolvedTarget, StartCommand } from '../../engine/target.js';
import { findMatching } from '../../targets/match.js';
import { assertSafeToSignal, readProcess } from '../../targets/proc.js';

export function processTarget(target: ResolvedTarget): ProcessTarget {
  if (target.kind !== 'process') throw new UserError('FD_TARGET_KIND', `expected a process target, got ${target.kind}`);
  return target;
}

/**
 * Checks that the target pid still is the process that was selected: pids are reused, and a
 * signal to a stranger that inherited the number is the worst mistake a chaos tool can make.
 */
export function assertSameProcess(target: ProcessTarget): void {
  assertSafeToSignal(target.pid);
  const info = readProcess(target.pid);
  if (!info || info.state === 'Z') throw new UserError('FD_TARGET_GONE', `pid ${target.pid} (${target.name}) is not running`);
  if (target.name && info.comm !== target.name) {
    throw new UserError('FD_TARGET_GONE', `pid ${target.pid} is now "${info.comm}", not "${target.name}": the pid was reused`);
  }
}

/** Where a service started by a fault's revert records its pid: derivable from the intent alone. */
export function startedPidFile(ctx: FaultContext<unknown>): string {
  return join(ctx.workDir, `${ctx.tag}.pid`);
}

/** A running process of the target's service: by `match` when given, else the pid we started. */
export function findService(ctx: FaultContext<unknown>, target: ProcessTarget): number | undefined {
  const match = target.match ?? { pidFile: startedPidFile(ctx) };
  return findMatching(match).at(0)?.pid;
}

/**
 * Starts a service detached from Firedrill (own session, output to a log file, unref'd) so
 * the CLI can exit while the service lives on. Argument array, never a shell line.
 * Resolves once the program is running (exec succeeded) with its pid.
 */
export async function startService(ctx: FaultContext<unknown>, start: StartCommand): Promise<number> {
  const [command, ...args] = start.command;
  if (command === undefined) throw new UserError('FD_NO_START', 'the start command is empty');
  const log = start.log ?? join(ctx.workDir, `${ctx.tag}.log`);
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a', 0o600); // created private, like everything Firedrill writes
  try {
    const child = spawn(command, args, {
      cwd: start.cwd,
      env: { ...process.env, ...start.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    const pidFile = startedPidFile(ctx);
    mkdirSync(dirname(pidFile), { recursive: true, mode: 0o700 });
    writeFileSync(pidFile, `${pid}\n`, { mode: 0o600 });
    return pid;
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

export function readStartedPid(ctx: FaultContext<unknown>): number | undefined {
  try {
    const pid = Number(readFileSync(startedPidFile(ctx), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function removeStartedPidFile(ctx: FaultContext<unknown>): void {
  rmSync(startedPidFile(ctx), { force: true });
}
