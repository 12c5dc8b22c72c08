// The CLI and the agent as a bench drives them: `firedrill …` runs bounded in their own process
// group, an agent started (or adopted) for a state dir, its HTTP API, its log's error lines, and
// the experiment files the runs read.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, nowMs } from './clock.mjs';
import { bin } from './paths.mjs';
import { isGone } from './proc.mjs';
import { killGroup, stopGroup, track, untrack } from './processes.mjs';

const { fetch, AbortSignal } = globalThis; // Node's own (eslint knows no such globals in .mjs)

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

/** The summary `firedrill run --json` prints last ({ verdict, reason, journal, … }). */
export const runSummary = (result) => JSON.parse(result.stdout.trim().split('\n').pop() || '{}');

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Starts `firedrill agent` on a free loopback port for `stateDir` (its own process group, output
 * appended to <stateDir>/../bench-agent.log) and waits until it answers GET /v1/status.
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
    // `firedrill agent` is a supervisor: agent.json names its worker (pid) and itself (supervisorPid).
    if ((info?.supervisorPid === child.pid || info?.pid === child.pid) && existsSync(join(stateDir, 'agent.token'))) {
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

/** The pid of the agent's worker now: the process that runs the faults (a new one after a restart). */
export function workerPid(stateDir) {
  return readJson(join(stateDir, 'agent.json'))?.pid;
}

/** An agent this script did not start (e.g. one `firedrill run` started): tracked by pid. */
export function adoptAgent(stateDir) {
  const info = readJson(join(stateDir, 'agent.json'));
  const pid = info?.supervisorPid ?? info?.pid;
  if (!info || isGone(pid)) return undefined;
  track(pid, { group: true }); // started detached: it leads its own group
  return {
    pid,
    url: info.url,
    token: readFileSync(join(stateDir, 'agent.token'), 'utf8').trim(),
    adopted: true,
  };
}

/** SIGTERM (the agent reverts everything and exits), then SIGKILL of its group after `graceMs`. */
export async function stopAgent(agent, graceMs = 10_000) {
  if (!agent) return;
  await stopGroup(agent.pid, { graceMs, gone: () => agent.exited !== undefined || isGone(agent.pid) });
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
      const message = errorMessage(line).slice(0, 300);
      messages.set(message, (messages.get(message) ?? 0) + 1);
    }
  }
  return { count, messages: [...messages].slice(0, 10).map(([m, n]) => `${n}× ${m}`) };
}

/** "msg: error" of a JSON log line; the line itself when it is not JSON. */
function errorMessage(line) {
  try {
    const entry = JSON.parse(line);
    return `${entry.msg}${entry.error ? `: ${typeof entry.error === 'string' ? entry.error : JSON.stringify(entry.error)}` : ''}`;
  } catch {
    return line;
  }
}

/** An experiment file in `dir`. */
export function writeExperiment(dir, name, yaml) {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}
