// The processes and temp dirs a bench starts, and their end: everything tracked here is resumed
// and killed, and every temp dir removed, at the normal end (`cleanup()` in `finally`), on a
// failure, and on Ctrl-C (`cleanupSync`, the last resort) — no paused sleeper, agent or helper
// outlives a bench.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowMs, pollUntil } from './clock.mjs';
import { groupPids, isStopped, procState } from './proc.mjs';

const children = new Set(); // { pid, group }
const dirs = new Set();
const hooks = [];
let cleaned = false;

/** A synchronous step of the last-resort cleanup, run before the tracked processes are killed. */
export function onCleanup(hook) {
  hooks.push(hook);
}

/** Registers a process to stop at the end: SIGCONT (it may be paused) then SIGKILL. */
export function track(pid, { group = false } = {}) {
  const entry = { pid, group };
  children.add(entry);
  return entry;
}

export function untrack(pid) {
  for (const entry of children) if (entry.pid === pid) children.delete(entry);
}

/** `signal` to the process group of `pid`, or to `pid` alone if it leads none; false if gone. */
export function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** SIGCONT (a paused process would never see the SIGKILL through) then SIGKILL; quiet if gone. */
export function killHard(pid, { group = false } = {}) {
  for (const signal of ['SIGCONT', 'SIGKILL']) {
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Synchronous last resort: resume and kill everything tracked, remove the temp dirs. */
export function cleanupSync() {
  if (cleaned) return;
  cleaned = true;
  for (const hook of hooks) {
    try {
      hook();
    } catch (error) {
      process.stderr.write(`bench: cleanup step failed: ${error.message}\n`);
    }
  }
  for (const { pid, group } of children) killHard(pid, { group });
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/**
 * The normal end (call it in `finally`): resume and kill what is tracked, wait until the kernel
 * has let go of those processes (reaped), then remove the temp dirs.
 */
export async function cleanup() {
  const pids = [...children].map((c) => c.pid);
  cleanupSync();
  await pollUntil(() => pids.every((pid) => procState(pid) === undefined), 5000);
}

process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}, cleaning up\n`);
    cleanupSync();
    process.exit(130);
  });
}

/**
 * `signal` to the group of `pid` (SIGTERM: an agent reverts everything and exits; nginx shuts
 * down fast), SIGKILL after `graceMs`; waits, bounded, until `gone()` (by default: no process of
 * the group left), and stops tracking it.
 */
export async function stopGroup(pid, { signal = 'SIGTERM', graceMs = 5000, gone = () => groupPids(pid).length === 0 } = {}) {
  if (!gone() && killGroup(pid, signal)) {
    if ((await pollUntil(gone, graceMs, 5)) === undefined) killHard(pid, { group: true });
    await pollUntil(gone, 2000, 5);
  }
  untrack(pid);
}

/** A fresh temp dir, the working directory and state dir of one benchmark; removed at the end. */
export function makeTempDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `firedrill-bench-${name}-`));
  dirs.add(dir);
  return dir;
}

/** `command args` with no stdio, killed at the end; its pid. */
export function spawnTracked(command, args) {
  const child = spawn(command, args, { stdio: 'ignore' });
  track(child.pid);
  return child.pid;
}

/** `count` `sleep` processes of our own (targets to pause); killed at the end. */
export function spawnSleeps(count, seconds = 3600) {
  return Array.from({ length: count }, () => spawnTracked('sleep', [String(seconds)]));
}

/**
 * SIGSTOPs the pids, waits for /proc to show them stopped, then times SIGCONT to every one of
 * them plus the wait until /proc shows none stopped: the irreducible work of a revert.
 */
export async function timeDirectResume(pids) {
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  if ((await pollUntil(() => pids.every(isStopped), 2000)) === undefined) throw new Error('reference: SIGSTOP did not stop every process');
  const started = nowMs();
  for (const pid of pids) process.kill(pid, 'SIGCONT');
  // Tight poll: this is the reference, it must not carry a timer's granularity.
  for (;;) {
    if (!pids.some(isStopped)) break;
    if (nowMs() - started > 2000) throw new Error('reference: SIGCONT did not resume every process');
  }
  return nowMs() - started;
}
