import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/agent-daemon/ledger.js';
import { findMatching } from '../../src/targets/match.js';
import { processState, readProcess } from '../../src/targets/proc.js';
import { Processes, stopAgent } from '../support/processes.js';

const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the built CLI; `exited` resolves with its output. */
function start(cwd: string, args: string[]): { child: ChildProcess; exited: Promise<Finished>; output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Finished>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, exited, output: () => stdout + stderr };
}

async function firedrill(cwd: string, ...args: string[]): Promise<Finished> {
  return start(cwd, args).exited;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(10);
  }
  return condition();
}

function pauseYaml(selector: string, duration = '60s'): string {
  return `title: long pause\ntargets:\n  s: { kind: process, selector: ${selector} }\nmethod:\n  - { name: pause, fault: process-pause, target: s, duration: ${duration} }\n`;
}

const processes = new Processes();
let cwd: string;
const stateDirs: string[] = [];

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'firedrill-safety-'));
  stateDirs.push(join(cwd, '.firedrill'));
});

afterEach(async () => {
  await Promise.all(stateDirs.splice(0).map(stopAgent));
  await processes.stopAll();
  rmSync(cwd, { recursive: true, force: true });
});

describe('safety through the agent', () => {
  it('reverts the pause when firedrill run is killed with SIGKILL, at 20 random moments', async () => {
    const sleeper = processes.sleep(301);
    const pid = sleeper.pid as number;
    const file = join(cwd, 'pause.yaml');
    writeFileSync(file, pauseYaml(`{ pid: ${pid} }`));
    // The first run starts the agent; the kills below then hit only the controller.
    expect((await firedrill(cwd, 'run', file, '--dry-run')).code).toBe(0);
    const ttlMs = 1000;
    let pausedWhenKilled = 0;
    for (let i = 0; i < 20; i++) {
      const run = start(cwd, ['run', file, '--lease-ttl', `${ttlMs}ms`, '-q']);
      await sleep(50 + Math.random() * 900);
      if (processState(pid) === 'T') pausedWhenKilled += 1;
      run.child.kill('SIGKILL');
      await run.exited;
      // Within TTL + 1 s of the kill the process runs again, whatever moment the kill hit.
      expect(await waitFor(() => processState(pid) !== 'T', ttlMs + 1000)).toBe(true);
    }
    expect(pausedWhenKilled).toBeGreaterThan(0); // the kills did hit active faults
    // Every fault is closed in the ledger within TTL + 1 s of its intent: a killed run's inject
    // may still land after the kill (it was on its way), and its lease starts then.
    const ledger = new Ledger(join(cwd, '.firedrill', 'ledger.db'));
    try {
      const lastIntent = Math.max(0, ...ledger.open().map((r) => r.createdAt));
      await waitFor(() => ledger.open().length === 0, lastIntent + ttlMs + 1000 - Date.now());
      expect(ledger.open()).toEqual([]);
      expect(processState(pid)).not.toBe('T');
    } finally {
      ledger.close();
    }
  }, 120_000);

  it('halts 100 active faults at once, refuses new runs, and resumes', async () => {
    const sleepers = Array.from({ length: 100 }, () => processes.sleep(302));
    const file = join(cwd, 'hundred.yaml');
    writeFileSync(file, pauseYaml('{ cmdline: "^sleep 302$" }'));
    const run = start(cwd, ['run', file, '--json']);
    expect(await waitFor(() => sleepers.every((s) => processState(s.pid as number) === 'T'), 30_000)).toBe(true);

    const halt = await firedrill(cwd, 'halt', '--reason', 'drill stopped by the test', '--json');
    expect(halt.code).toBe(0);
    const answer = JSON.parse(halt.stdout) as { agents: { agent: string; reverted: number; unverified: number }[] };
    expect(answer.agents).toEqual([expect.objectContaining({ agent: 'local', reverted: 100, unverified: 0 })]);
    for (const s of sleepers) expect(processState(s.pid as number)).not.toBe('T');

    // The run learns it at its next lease renewal and ends aborted, with the reason.
    const finished = await run.exited;
    expect(finished.code).toBe(1);
    expect(JSON.parse(finished.stdout)).toMatchObject({ verdict: 'aborted', reason: 'halted: drill stopped by the test' });

    const refused = await firedrill(cwd, 'run', file);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/Firedrill is halted since .* \(drill stopped by the test\)/);
    const status = await firedrill(cwd, 'status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({
      agents: [{ agent: 'local', status: { halted: { reason: 'drill stopped by the test' } } }],
    });

    expect((await firedrill(cwd, 'resume')).code).toBe(0);
    writeFileSync(join(cwd, 'short.yaml'), pauseYaml('{ cmdline: "^sleep 302$" }', '100ms'));
    const resumed = await firedrill(cwd, 'run', join(cwd, 'short.yaml'), '-q');
    expect(resumed.code).toBe(0);
    for (const s of sleepers) expect(processState(s.pid as number)).not.toBe('T');
  }, 120_000);

  it('ends a run aborted, not failed, when a halt arrives while its faults are being injected', async () => {
    const sleepers = Array.from({ length: 50 }, () => processes.sleep(306));
    const file = join(cwd, 'fifty.yaml');
    writeFileSync(file, pauseYaml('{ cmdline: "^sleep 306$" }'));
    expect((await firedrill(cwd, 'run', file, '--dry-run')).code).toBe(0);
    for (const delay of [0, 10, 20, 40]) {
      const run = start(cwd, ['run', file, '--json', '-q']);
      // The first pause is in: the others are being injected now.
      expect(await waitFor(() => sleepers.some((s) => processState(s.pid as number) === 'T'), 30_000)).toBe(true);
      await sleep(delay);
      expect((await firedrill(cwd, 'halt', '--reason', `at ${delay}`)).code).toBe(0);
      const finished = await run.exited;
      expect(JSON.parse(finished.stdout)).toMatchObject({ verdict: 'aborted', reason: `halted: at ${delay}` });
      expect(finished.code).toBe(1);
      for (const s of sleepers) expect(processState(s.pid as number)).not.toBe('T');
      expect((await firedrill(cwd, 'resume')).code).toBe(0);
    }
  }, 120_000);

  it('keeps a halt made while no agent runs, and the next agent starts halted', async () => {
    const halt = await firedrill(cwd, 'halt', '--reason', 'maintenance');
    expect(halt.code).toBe(0);
    expect(halt.stdout).toContain('local: no agent running; halt recorded');
    const sleeper = processes.sleep(303);
    const file = join(cwd, 'pause.yaml');
    writeFileSync(file, pauseYaml(`{ pid: ${sleeper.pid} }`, '1s'));
    const refused = await firedrill(cwd, 'run', file);
    expect(refused.code).toBe(3);
    expect(processState(sleeper.pid as number)).not.toBe('T');
    const resumed = await firedrill(cwd, 'resume');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const ran = await firedrill(cwd, 'run', file, '-q');
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
  }, 60_000);

  it('reverts a long fault as soon as a guardrail trips, long before the step would end', async () => {
    const server = await processes.httpServer();
    const file = join(cwd, 'guarded.yaml');
    writeFileSync(
      file,
      `title: guarded
targets:
  web: { kind: process, selector: { pid: ${server.child.pid} } }
method:
  - { name: pause, fault: process-pause, target: web, duration: 60s }
guardrails:
  - name: errors
    probe: http
    params: { url: "${server.url}", timeout: 100ms }
    interval: 100ms
    condition: "failureRate > 50% over 1s"
`,
    );
    const result = await firedrill(cwd, 'run', file, '--json');
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as { verdict: string; journal: string };
    expect(summary.verdict).toBe('aborted');
    const journal = JSON.parse(readFileSync(summary.journal, 'utf8')) as {
      durationMs: number;
      abort: { observedAt: string; revertedAt: string; latencyMs: number };
      faults: { status: string }[];
    };
    expect(journal.durationMs).toBeLessThan(60_000);
    expect(Date.parse(journal.abort.revertedAt) - Date.parse(journal.abort.observedAt)).toBe(journal.abort.latencyMs);
    expect(journal.faults).toEqual([expect.objectContaining({ status: 'reverted' })]);
    expect(processState(server.child.pid as number)).not.toBe('T');
  }, 60_000);

  it('drives faults on two hosts in one run through their agents', async () => {
    // A second "host": an agent with its own state directory, known to the run by address.
    const remoteDir = join(cwd, 'host-b');
    mkdirSync(remoteDir);
    stateDirs.push(remoteDir);
    const remote = start(cwd, ['agent', '--listen', '127.0.0.1:0', '--state-dir', remoteDir]);
    expect(await waitFor(() => existsSync(join(remoteDir, 'agent.json')), 15_000)).toBe(true);
    const { url } = JSON.parse(readFileSync(join(remoteDir, 'agent.json'), 'utf8')) as { url: string };
    const local = processes.sleep(304);
    const other = processes.sleep(305);
    writeFileSync(
      join(cwd, 'firedrill.inventory.yaml'),
      `agents:
  host-b: { url: "${url}", tokenFile: host-b/agent.token }
services:
  here: { process: { cmdline: "^sleep 304$" }, labels: { app: sleeper } }
  there: { process: { cmdline: "^sleep 305$" }, labels: { app: sleeper }, agent: host-b }
`,
    );
    const file = join(cwd, 'both.yaml');
    writeFileSync(file, pauseYaml('{ labels: { app: sleeper } }', '500ms'));
    const result = await firedrill(cwd, 'run', file, '--json');
    expect(result.code).toBe(0);
    const { runId, journal: journalPath } = JSON.parse(result.stdout) as { runId: string; journal: string };
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
      targets: { s: { pid: number; agent?: string }[] };
      faults: { status: string }[];
    };
    expect(journal.targets.s).toEqual(
      expect.arrayContaining([expect.objectContaining({ pid: local.pid }), expect.objectContaining({ pid: other.pid, agent: 'host-b' })]),
    );
    expect(journal.faults.map((f) => f.status)).toEqual(['reverted', 'reverted']);
    // Each host's ledger holds the fault that ran there, reverted.
    for (const [dir, pid] of [
      [join(cwd, '.firedrill'), local.pid],
      [remoteDir, other.pid],
    ] as const) {
      const ledger = new Ledger(join(dir, 'ledger.db'));
      try {
        const records = ['f1', 'f2'].flatMap((faultId) => ledger.latest(runId, faultId) ?? []);
        expect(records).toEqual([expect.objectContaining({ status: 'reverted', target: expect.objectContaining({ pid }) })]);
      } finally {
        ledger.close();
      }
      expect(processState(pid as number)).not.toBe('T');
    }
    remote.child.kill('SIGTERM');
    await remote.exited;
  }, 60_000);
});

describe('what the agent may run, read and write', () => {
  /** Services a revert started (detached, outside the test's children): killed after the test. */
  const restarted: string[] = [];
  afterEach(() => {
    for (const pattern of restarted.splice(0)) for (const info of findMatching({ cmdline: pattern })) process.kill(info.pid, 'SIGKILL');
  });

  async function agentOf(stateDir: string): Promise<{ url: string; token: string }> {
    expect(await waitFor(() => existsSync(join(stateDir, 'agent.json')), 15_000)).toBe(true);
    const { url } = JSON.parse(readFileSync(join(stateDir, 'agent.json'), 'utf8')) as { url: string };
    return { url, token: readFileSync(join(stateDir, 'agent.token'), 'utf8').trim() };
  }

  async function inject(agent: { url: string; token: string }, runId: string, body: object): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${agent.url}/v1/runs/${runId}/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ faultId: 'f1', step: 'method[0]', leaseTtlMs: 500, ...body }),
    });
    return { status: response.status, body: await response.json() };
  }

  it('refuses with 403 the start command a token holder sends, logs it, and runs nothing', async () => {
    const stateDir = join(cwd, '.firedrill');
    const sleeper = processes.sleep(308);
    // A run starts the local agent (its output in agent.log), which stays for the next request.
    writeFileSync(join(cwd, 'pause.yaml'), pauseYaml(`{ pid: ${sleeper.pid} }`, '100ms'));
    expect((await firedrill(cwd, 'run', join(cwd, 'pause.yaml'), '-q')).code).toBe(0);
    const agent = await agentOf(stateDir);
    const info = readProcess(sleeper.pid as number);
    const proof = join(cwd, 'ran-as-the-agent');
    const answer = await inject(agent, 'r1', {
      type: 'process-kill',
      target: {
        kind: 'process',
        pid: sleeper.pid,
        name: info?.comm,
        cmdline: info?.cmdline,
        start: { command: ['sh', '-c', `touch ${proof}`] },
      },
      params: { signal: 'SIGKILL', restart: true },
    });
    expect(answer).toMatchObject({
      status: 403,
      body: { error: { code: 'FD_NOT_ALLOWED', message: expect.stringContaining('allow.json') } },
    });
    await sleep(1000); // the lease (500 ms) expired: a fault would have been reverted, its "service" started
    expect(existsSync(proof)).toBe(false);
    expect(processState(sleeper.pid as number)).toMatch(/^[RS]$/);
    const audit = readFileSync(join(stateDir, 'agent.log'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('FD_NOT_ALLOWED'));
    expect(audit).toEqual([expect.stringContaining('"msg":"refused: not allowed on this host"')]);
    expect(audit[0]).toContain(`touch ${proof}`);
  }, 60_000);

  it('lets a run restart an inventory service: the CLI allows its start command on the local agent first', async () => {
    processes.sleep(309);
    restarted.push('^sleep 309$');
    writeFileSync(
      join(cwd, 'firedrill.inventory.yaml'),
      'services:\n  sleeper: { process: { cmdline: "^sleep 309$" }, start: { command: [sleep, "309"] }, labels: { app: s } }\n',
    );
    const file = join(cwd, 'restart.yaml');
    writeFileSync(
      file,
      'title: kill and bring back\ntargets:\n  s: { kind: process, selector: { service: sleeper } }\n' +
        'method:\n  - { fault: process-kill, target: s, params: { signal: SIGKILL, restart: true }, duration: 100ms }\n',
    );
    const result = await firedrill(cwd, 'run', file, '--json');
    expect(result.code, result.stderr).toBe(0);
    const journal = JSON.parse(readFileSync((JSON.parse(result.stdout) as { journal: string }).journal, 'utf8')) as {
      faults: { status: string; verification: { ok: boolean } }[];
    };
    expect(journal.faults).toEqual([expect.objectContaining({ status: 'reverted', verification: expect.objectContaining({ ok: true }) })]);
    expect(findMatching({ cmdline: '^sleep 309$' })).toHaveLength(1);
    const allowFile = join(cwd, '.firedrill', 'allow.json');
    expect((statSync(allowFile).mode & 0o777).toString(8)).toBe('600');
    expect(JSON.parse(readFileSync(allowFile, 'utf8'))).toMatchObject({ version: 1, start: [{ command: ['sleep', '309'], cwd }] });
  }, 60_000);

  it('lets an agent on another host restart the services of the inventory it was started with, and nothing else', async () => {
    const remoteDir = join(cwd, 'host-b');
    mkdirSync(remoteDir);
    stateDirs.push(remoteDir);
    // Host B's own configuration: its service, how to start it.
    writeFileSync(
      join(remoteDir, 'inventory.yaml'),
      'services:\n  there: { process: { cmdline: "^sleep 310$" }, start: { command: [sleep, "310"] } }\n',
    );
    const remote = start(cwd, [
      'agent',
      '--listen',
      '127.0.0.1:0',
      '--state-dir',
      remoteDir,
      '--inventory',
      join(remoteDir, 'inventory.yaml'),
    ]);
    const agent = await agentOf(remoteDir);
    processes.sleep(310);
    restarted.push('^sleep 310$');
    writeFileSync(
      join(cwd, 'firedrill.inventory.yaml'),
      `agents:\n  host-b: { url: "${agent.url}", tokenFile: host-b/agent.token }\n` +
        'services:\n  there: { agent: host-b, process: { cmdline: "^sleep 310$" }, start: { command: [sleep, "310"] }, labels: { app: b } }\n',
    );
    const file = join(cwd, 'restart.yaml');
    writeFileSync(
      file,
      'title: restart over there\ntargets:\n  s: { kind: process, selector: { labels: { app: b } } }\n' +
        'method:\n  - { fault: process-restart, target: s, duration: 100ms }\n',
    );
    const result = await firedrill(cwd, 'run', file, '--json');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(findMatching({ cmdline: '^sleep 310$' })).toHaveLength(1);
    expect(existsSync(join(cwd, '.firedrill', 'allow.json')) && readFileSync(join(cwd, '.firedrill', 'allow.json'), 'utf8')).not.toContain(
      '310',
    ); // the local agent is not allowed what only host B runs

    const [target] = findMatching({ cmdline: '^sleep 310$' });
    const other = await inject(agent, 'r2', {
      type: 'process-restart',
      target: {
        kind: 'process',
        pid: target?.pid,
        name: 'sleep',
        cmdline: 'sleep 310',
        match: { cmdline: '^sleep 310$' },
        start: { command: ['sleep', '311'] },
      },
      params: {},
    });
    expect(other).toMatchObject({
      status: 403,
      body: { error: { code: 'FD_NOT_ALLOWED', message: expect.stringContaining('inventory.yaml') } },
    });
    remote.child.kill('SIGTERM');
    await remote.exited;
  }, 60_000);
});
