// `firedrill server` as the dashboard bench drives it: started on a free loopback port over a
// state dir (its own process group, its log next to the state dir), its first admin logged in
// through the API for a token, users made for the browsers, and calls to its API.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { bin, nowMs, sleep, stopGroup, track } from '../support.mjs';

const { fetch, AbortSignal } = globalThis; // Node's own (eslint knows no such globals in .mjs)

/** Every user the bench logs in with this password (`<name>-password-1`, ≥ 12 characters). */
export const passwordOf = (name) => `${name}-password-1`;

/**
 * `firedrill server --state-dir stateDir` on 127.0.0.1:0; resolves { pid, url, token, stateDir,
 * database } once it printed its URL and one-time password, with an API token of its admin.
 */
export async function startServer(stateDir) {
  const logFile = join(stateDir, '..', 'bench-server.log');
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [bin, 'server', '--listen', '127.0.0.1:0', '--state-dir', stateDir], {
    detached: true,
    stdio: ['ignore', 'pipe', log],
  });
  closeSync(log);
  track(child.pid, { group: true });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const deadline = nowMs() + 30_000;
  while (!/keep it/.test(out)) {
    if (nowMs() > deadline || child.exitCode !== null) throw new Error(`firedrill server did not start: ${out}; see ${logFile}`);
    await sleep(20);
  }
  const url = /control plane: (http:\/\/\S+)/.exec(out)[1];
  const password = /one-time password (\S+)/.exec(out)[1];
  const login = await fetch(`${url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ name: 'admin', password }) });
  if (!login.ok) throw new Error(`the admin could not log in: ${login.status} ${await login.text()}`);
  const { csrf } = await login.json();
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const made = await fetch(`${url}/api/v1/tokens`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ name: 'bench' }),
  });
  const { token } = await made.json();
  return { pid: child.pid, url, token, stateDir, database: join(stateDir, 'server.db'), logFile };
}

/** SIGTERM (the server aborts what it runs and closes its streams), SIGKILL after 10 s. */
export async function stopServer(server) {
  if (!server) return;
  await stopGroup(server.pid, { graceMs: 10_000 });
}

/** One call to the server's API with the admin's token; the JSON answer, or a throw naming the status. */
export async function call(server, method, path, body, timeoutMs = 30_000) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A user with `roles` and the bench's password, made through the API. */
export async function makeUser(server, name, roles) {
  await call(server, 'POST', '/users', { name, roles, password: passwordOf(name) });
}

/** Waits, bounded, until the run has ended; its state then. */
export async function runEnded(server, runId, timeoutMs = 30_000) {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const { run } = await call(server, 'GET', `/runs/${runId}`);
    if (run.state === 'ended' || nowMs() > deadline) return run;
    await sleep(50);
  }
}
