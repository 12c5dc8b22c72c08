// `firedrill server` as the drills bench drives it: started in its own process group on a free
// loopback port, an API token made through its API (first start of a store) or reused (a restart
// on the same store), calls with that token, and a clean stop (SIGTERM: the store is closed).
import { spawn } from 'node:child_process';
import { bin, nowMs, sleep, stopGroup, track } from '../support.mjs';

const { fetch, AbortSignal } = globalThis; // Node's own (eslint knows no such globals in .mjs)

/**
 * Starts `firedrill server --state-dir stateDir …extra`; resolves { child, pid, url, token,
 * startedAt } once it listens (and, on a fresh store, once a token exists). Pass `token` when
 * the store already has one (a restart: no one-time password is printed then).
 */
export async function startServer({ stateDir, cwd, extra = [], token }) {
  const startedAt = nowMs();
  const child = spawn(process.execPath, [bin, 'server', '--listen', '127.0.0.1:0', '--state-dir', stateDir, ...extra], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child.pid, { group: true });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err = (err + chunk).slice(-4000)));
  const deadline = nowMs() + 60_000;
  while (!(token ? /control plane: http/.test(out) : /keep it/.test(out))) {
    if (nowMs() > deadline || child.exitCode !== null) throw new Error(`firedrill server did not start: ${out}${err}`);
    await sleep(10);
  }
  const url = /control plane: (http:\/\/\S+)/.exec(out)[1];
  const server = { child, pid: child.pid, url, token, startedAt, stderr: () => err };
  if (!token) {
    const password = /one-time password (\S+)/.exec(out)[1];
    const login = await fetch(`${url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ name: 'admin', password }) });
    const { csrf } = await login.json();
    const cookie = login.headers.get('set-cookie').split(';')[0];
    const made = await fetch(`${url}/api/v1/tokens`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ name: 'bench' }),
    });
    server.token = (await made.json()).token;
  }
  return server;
}

/** SIGTERM (the server closes its store), SIGKILL after 10 s. */
export async function stopServer(server) {
  if (server) await stopGroup(server.pid, { signal: 'SIGTERM', graceMs: 10_000 });
}

/** One API call with the bench's token; the parsed answer, or a throw on a non-2xx one. */
export async function call(server, method, path, body, timeoutMs = 120_000) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 2000)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The trivial experiment the drills run, stored under `name`. */
export const TRIVIAL = 'title: t\nmethod:\n  - { name: w, wait: 10ms }\n';

export async function storeExperiment(server, name = 't', yaml = TRIVIAL) {
  return call(server, 'POST', '/api/v1/experiments', { name, yaml });
}
