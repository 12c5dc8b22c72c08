import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentInfo } from '../../src/agent-protocol/api.js';
import { isAlive, processState } from '../../src/targets/proc.js';
import { BIN, firedrill } from '../support/cli.js';
import { Processes, stopAgent } from '../support/processes.js';

// `firedrill agent` is a supervisor in front of a worker (src/agent-daemon/supervision): these
// tests kill one or the other for real and check that no fault outlives it, with no human
// action, and that a proxied link keeps carrying traffic while the worker is dead.

const processes = new Processes();
let dir: string;
let stateDir: string;
let agent: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firedrill-supervisor-'));
  stateDir = join(dir, '.firedrill');
});

afterEach(async () => {
  await stopAgent(stateDir);
  agent?.kill('SIGKILL');
  agent = undefined;
  await processes.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function info(): AgentInfo {
  return JSON.parse(readFileSync(join(stateDir, 'agent.json'), 'utf8')) as AgentInfo;
}

async function until<T>(what: string, read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** `firedrill agent` on a free port, its worker ready (agent.json written). */
async function startAgent(...extra: string[]): Promise<AgentInfo> {
  agent = spawn(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--state-dir', stateDir, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  agent.stderr?.resume();
  return until('the agent to be ready', () => (existsSync(join(stateDir, 'agent.json')) ? info() : undefined));
}

/** One GET through the proxy: its status and time, or the error (an outage). */
function get(url: string): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ ok: false, ms: performance.now() - started }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** `firedrill run` pausing the sleeper for a minute; resolves once it is paused. */
async function pauseInARun(sleeper: number): Promise<ChildProcess> {
  const yaml = `title: p\ntargets:\n  s: { kind: process, selector: { pid: ${sleeper} } }\nmethod:\n  - { fault: process-pause, target: s, duration: 60s }\n`;
  writeFileSync(join(dir, 'pause.yaml'), yaml);
  const run = spawn(process.execPath, [BIN, 'run', join(dir, 'pause.yaml'), '--state-dir', stateDir, '-q'], { cwd: dir, stdio: 'ignore' });
  await until('the pause', () => processState(sleeper) === 'T', 15_000);
  return run;
}

/** A run with a paused process and a 300 ms latency on a proxied link, killed with its agent's worker. */
async function injectThenKill(proxyPort: number, sleeper: number): Promise<{ run: ChildProcess }> {
  writeFileSync(
    join(dir, 'drill.yaml'),
    [
      'title: drill',
      'targets:',
      `  s: { kind: process, selector: { pid: ${sleeper} } }`,
      '  l: { kind: proxy, selector: { name: link } }',
      'method:',
      '  - parallel:',
      '      - { fault: process-pause, target: s, duration: 60s }',
      '      - { fault: proxy-latency, target: l, params: { latency: 300ms }, duration: 60s }',
      '',
    ].join('\n'),
  );
  const run = spawn(process.execPath, [BIN, 'run', join(dir, 'drill.yaml'), '--state-dir', stateDir, '-q'], { cwd: dir, stdio: 'ignore' });
  await until('the pause', () => processState(sleeper) === 'T', 15_000);
  await until('the latency', async () => (await get(`http://127.0.0.1:${proxyPort}/`)).ms >= 300);
  return { run };
}

describe('the supervised agent', () => {
  it('starts a dead worker again at once; its recovery reverts every fault and the proxied link never stops', async () => {
    const server = await processes.httpServer();
    const proxyPort = await freePort();
    writeFileSync(
      join(dir, 'firedrill.inventory.yaml'),
      `proxies:\n  link: { listen: "127.0.0.1:${proxyPort}", upstream: "127.0.0.1:${server.port}" }\n`,
    );
    const before = await startAgent();
    const sleeper = processes.sleep(301).pid as number;
    const { run } = await injectThenKill(proxyPort, sleeper);

    // Traffic through the link all along, while the worker (and the run, below) are killed.
    const samples: { ok: boolean; ms: number }[] = [];
    let sampling = true;
    const traffic = (async () => {
      while (sampling) samples.push(await get(`http://127.0.0.1:${proxyPort}/`));
    })();
    process.kill(before.pid, 'SIGKILL');
    run.kill('SIGKILL');
    const killedAt = Date.now();
    await until('the paused process to run again', () => processState(sleeper) !== 'T');
    const resumedMs = Date.now() - killedAt;
    await until('the latency to be gone', async () => (await get(`http://127.0.0.1:${proxyPort}/`)).ms < 100);
    sampling = false;
    await traffic;

    // Within the lease (5 s) + 1 s, with no human action; the same address, a new worker.
    expect(resumedMs).toBeLessThan(6000);
    const after = await until('a new worker in agent.json', () => (info().pid !== before.pid ? info() : undefined));
    expect(after).toMatchObject({ supervisorPid: before.supervisorPid, url: before.url });
    expect(isAlive(before.pid)).toBe(false);
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.filter((s) => !s.ok)).toEqual([]);
    const status = await firedrill(dir, 'status', '--json', '--state-dir', stateDir);
    expect(JSON.parse(status.stdout)).toMatchObject({ localAgentRunning: true, openLedgerRecords: [] });
  });

  it('answers a Toxiproxy client once its toxic acts, though the proxies live in the supervisor', async () => {
    const server = await processes.httpServer();
    const toxiproxyPort = await freePort();
    const started = await startAgent('--toxiproxy-listen', `127.0.0.1:${toxiproxyPort}`);
    expect(started.toxiproxyUrl).toBe(`http://127.0.0.1:${toxiproxyPort}`);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${started.toxiproxyUrl}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const created = (await (await api('POST', '/proxies', { name: 'web', upstream: `127.0.0.1:${server.port}` })).json()) as {
      listen: string;
    };
    const through = `http://${created.listen}/`;
    for (let i = 0; i < 10; i++) {
      const added = await api('POST', '/proxies/web/toxics', { name: 'slow', type: 'latency', attributes: { latency: 250 } });
      expect(added.status).toBe(200);
      // The very next request, at once: the toxic must already act on it.
      expect((await get(through)).ms).toBeGreaterThanOrEqual(240);
      expect((await api('DELETE', '/proxies/web/toxics/slow')).status).toBe(204);
      expect((await get(through)).ms).toBeLessThan(200);
    }
  });

  it('stops cleanly on SIGTERM: the worker reverts every fault, both exit 0, agent.json is removed', async () => {
    const started = await startAgent();
    const sleeper = processes.sleep(302).pid as number;
    const run = await pauseInARun(sleeper);
    const exited = new Promise<number | null>((resolve) => agent?.once('exit', (code) => resolve(code)));
    process.kill(started.supervisorPid as number, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(processState(sleeper)).not.toBe('T');
    expect(isAlive(started.pid)).toBe(false);
    expect(existsSync(join(stateDir, 'agent.json'))).toBe(false);
    run.kill('SIGKILL');
  });

  it('reverts every fault and exits when its supervisor dies, leaving nothing for the next command to recover', async () => {
    const started = await startAgent();
    const sleeper = processes.sleep(303).pid as number;
    const run = await pauseInARun(sleeper);
    process.kill(started.supervisorPid as number, 'SIGKILL');
    await until('the pause to be reverted by the orphaned worker', () => processState(sleeper) !== 'T');
    await until('the worker to exit', () => !isAlive(started.pid));
    run.kill('SIGKILL');

    const status = await firedrill(dir, 'status', '--json', '--state-dir', stateDir);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ localAgentRunning: false, openLedgerRecords: [] });
  });

  it('starts again, before anything else, an agent killed with its supervisor while it held a fault', async () => {
    const started = await startAgent();
    const sleeper = processes.sleep(304).pid as number;
    const run = await pauseInARun(sleeper);
    // Both at once (the whole group, as the OOM killer or a `kill -9 -PGID` would).
    process.kill(started.pid, 'SIGKILL');
    process.kill(started.supervisorPid as number, 'SIGKILL');
    run.kill('SIGKILL');
    await until('both gone', () => !isAlive(started.pid) && !isAlive(started.supervisorPid as number));
    expect(processState(sleeper)).toBe('T'); // nothing reverted it yet: no Firedrill process is left

    const status = await firedrill(dir, 'runs', '--state-dir', stateDir);
    expect(status.stderr).toMatch(/the local agent of .* died \(pid \d+\) without stopping; starting it again/);
    expect(processState(sleeper)).not.toBe('T');
    expect(info().pid).not.toBe(started.pid);
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
