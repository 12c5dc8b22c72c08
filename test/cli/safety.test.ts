import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/agent-daemon/ledger.js';
import { processState } from '../../src/targets/proc.js';
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
    // Every fault is closed in the ledger once the leases have expired.
    await sleep(200);
    const ledger = new Ledger(join(cwd, '.firedrill', 'ledger.db'));
    try {
      expect(ledger.open()).toEqual([]);
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
