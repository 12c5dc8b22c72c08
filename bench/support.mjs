// Shared helpers of the safety benchmarks (abort-latency, halt-latency, lease-expiry, orphans,
// agent-idle): arguments, the temp working directory, processes the script starts and must stop
// (also on a failure or a Ctrl-C), /proc readers, an agent started from the built CLI, its HTTP
// API, statistics; `--write` into bench/RESULTS.md is results.mjs's (re-exported here).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export { gitRev, machine, today, writeResultRow } from './results.mjs';

const { fetch, AbortSignal } = globalThis; // Node's own (eslint knows no such globals in .mjs)

export const root = fileURLToPath(new URL('..', import.meta.url));
export const bin = join(root, 'bin', 'firedrill.js');
export { sleep };

/** `--name value` options and `--flag` switches; numbers where the default is a number. */
export function parseArgs(defaults) {
  const argv = process.argv.slice(2);
  const options = { ...defaults, write: argv.includes('--write') };
  for (const [name, value] of Object.entries(defaults)) {
    const at = argv.indexOf(`--${name}`);
    if (at < 0) continue;
    const given = argv[at + 1];
    if (given === undefined) throw new Error(`--${name} needs a value`);
    options[name] = typeof value === 'number' ? Number(given) : given;
    if (typeof value === 'number' && !Number.isFinite(options[name])) throw new Error(`--${name} expects a number, got ${given}`);
  }
  return options;
}

/**
 * Epoch milliseconds with sub-millisecond precision, comparable with the Date.now() stamps of the
 * agent and the journal: aligned once on a tick of Date.now() (performance.timeOrigin is off by
 * up to a millisecond or two).
 */
const epochOffset = (() => {
  const first = Date.now();
  let tick;
  while ((tick = Date.now()) === first);
  return tick - performance.now();
})();
export const nowMs = () => epochOffset + performance.now();

// ── processes and files to clean up ────────────────────────────────────────────────────────

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
  for (const { pid, group } of children) {
    for (const signal of ['SIGCONT', 'SIGKILL']) {
      try {
        process.kill(group ? -pid : pid, signal);
      } catch {
        // already gone
      }
    }
  }
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

/** A fresh temp dir, the working directory and state dir of one benchmark; removed at the end. */
export function makeTempDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `firedrill-bench-${name}-`));
  dirs.add(dir);
  return dir;
}

/** `count` `sleep` processes of our own (targets to pause); killed at the end. */
export function spawnSleeps(count, seconds = 3600) {
  const pids = [];
  for (let i = 0; i < count; i++) {
    const child = spawn('sleep', [String(seconds)], { stdio: 'ignore' });
    track(child.pid);
    pids.push(child.pid);
  }
  return pids;
}

// ── /proc ──────────────────────────────────────────────────────────────────────────────────

/** The state letter of /proc/PID/stat (R, S, T, Z…), undefined once gone. */
export function procState(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text[text.lastIndexOf(')') + 2];
  } catch {
    return undefined;
  }
}

/** utime + stime of /proc/PID/stat, in clock ticks. */
export function procCpuTicks(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5), counted from 1
}

/** VmRSS of /proc/PID/status, in KiB. */
export function procRssKiB(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return match ? Number(match[1]) : NaN;
}

export function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

export const isStopped = (pid) => procState(pid) === 'T';

/** Polls every ~1 ms until `done()` holds; returns the epoch ms it held at, or undefined on timeout. */
export async function pollUntil(done, timeoutMs) {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    if (done()) return nowMs();
    if (nowMs() > deadline) return undefined;
    await sleep(1);
  }
}

/** Every live process whose argv carries `--firedrill-tag=`: [{ pid, tag, state, cmdline }]. */
export function taggedProcesses() {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    } catch {
      continue;
    }
    const flag = argv.find((arg) => arg.startsWith('--firedrill-tag='));
    if (!flag) continue;
    found.push({ pid, tag: flag.slice('--firedrill-tag='.length), state: procState(pid), cmdline: argv.join(' ').slice(0, 120) });
  }
  return found;
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

// ── the CLI and the agent ──────────────────────────────────────────────────────────────────

/**
 * Runs `node bin/firedrill.js …args` in its own process group, bounded by `timeoutMs` (then the
 * group is killed). Resolves { code, signal, stdout, stderr, ms, startedAt, endedAt }.
 * `onSpawn(child)` sees the child as soon as it exists (to kill it at a chosen moment).
 */
export function runCli(args, { cwd, timeoutMs = 60_000, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const startedAt = nowMs();
    const child = spawn(process.execPath, [bin, ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child.pid, { group: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\nbench: killed after ${timeoutMs} ms`;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      untrack(child.pid);
      reject(error);
    });
    child.on('close', (code, signal) => {
      const endedAt = nowMs();
      clearTimeout(timer);
      untrack(child.pid);
      resolve({ code, signal, stdout, stderr, ms: endedAt - startedAt, startedAt, endedAt, pid: child.pid });
    });
    onSpawn?.(child);
  });
}

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

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Starts `firedrill agent` on a free loopback port for `stateDir` (its own process group, output
 * appended to <stateDir>/bench-agent.log) and waits until it answers GET /v1/status.
 * Resolves { pid, url, token, child, exited }.
 */
export async function startAgent(stateDir, extraArgs = [], { timeoutMs = 15_000 } = {}) {
  const logFile = join(stateDir, '..', 'bench-agent.log');
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [bin, 'agent', '--listen', '127.0.0.1:0', '--state-dir', stateDir, ...extraArgs], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  track(child.pid, { group: true });
  const agent = { pid: child.pid, child, url: '', token: '', exited: undefined, logFile };
  agent.exitedPromise = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      agent.exited = { code, signal };
      untrack(child.pid);
      resolve(agent.exited);
    }),
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (agent.exited) throw new Error(`the agent exited at start (${JSON.stringify(agent.exited)}); see ${logFile}`);
    const info = readJson(join(stateDir, 'agent.json'));
    if (info?.pid === child.pid && existsSync(join(stateDir, 'agent.token'))) {
      agent.url = info.url;
      agent.token = readFileSync(join(stateDir, 'agent.token'), 'utf8').trim();
      try {
        await api(agent, 'GET', '/v1/status', undefined, 2000);
        return agent;
      } catch {
        // not answering yet
      }
    }
    await sleep(10);
  }
  throw new Error(`the agent did not answer within ${timeoutMs} ms; see ${logFile}`);
}

/** An agent this script did not start (e.g. one `firedrill run` started): tracked by pid. */
export function adoptAgent(stateDir) {
  const info = readJson(join(stateDir, 'agent.json'));
  if (!info || procState(info.pid) === undefined || procState(info.pid) === 'Z') return undefined;
  track(info.pid, { group: true }); // started detached: it leads its own group
  return {
    pid: info.pid,
    url: info.url,
    token: readFileSync(join(stateDir, 'agent.token'), 'utf8').trim(),
    adopted: true,
  };
}

/** SIGTERM (the agent reverts everything and exits), then SIGKILL of its group after `graceMs`. */
export async function stopAgent(agent, graceMs = 10_000) {
  if (!agent) return;
  const gone = () => agent.exited !== undefined || procState(agent.pid) === undefined || procState(agent.pid) === 'Z';
  if (gone()) return;
  killGroup(agent.pid, 'SIGTERM');
  if ((await pollUntil(gone, graceMs)) === undefined) killGroup(agent.pid, 'SIGKILL');
  await pollUntil(gone, 2000);
  untrack(agent.pid);
}

/** One call to the agent's HTTP API with its bearer token; throws on a non-2xx answer. */
export async function api(agent, method, path, body, timeoutMs = 10_000) {
  const response = await fetch(`${agent.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${agent.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * The error lines (JSON log lines with level "error") of the agents of `stateDir`: the one this
 * script started (bench-agent.log next to it) and any a run started (agent.log in it).
 * Returns { count, messages: distinct "msg: error" texts, at most 10 }.
 */
export function agentLogErrors(stateDir) {
  const messages = new Map();
  let count = 0;
  for (const file of [join(stateDir, '..', 'bench-agent.log'), join(stateDir, 'agent.log')]) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.includes('"level":"error"')) continue;
      count += 1;
      let message = line;
      try {
        const entry = JSON.parse(line);
        message = `${entry.msg}${entry.error ? `: ${typeof entry.error === 'string' ? entry.error : JSON.stringify(entry.error)}` : ''}`;
      } catch {
        // not JSON: keep the line
      }
      messages.set(message.slice(0, 300), (messages.get(message.slice(0, 300)) ?? 0) + 1);
    }
  }
  return { count, messages: [...messages].slice(0, 10).map(([m, n]) => `${n}× ${m}`) };
}

/** An experiment file in `dir`. */
export function writeExperiment(dir, name, yaml) {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

// ── statistics ─────────────────────────────────────────────────────────────────────────────

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round1 = (value) => Math.round(value * 10) / 10;
export const round2 = (value) => Math.round(value * 100) / 100;

