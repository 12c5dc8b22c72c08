import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentRunningError } from '../../src/agent-daemon/agent-lock.js';
import { AGENT_FILES } from '../../src/agent-protocol/api.js';
import type { AgentInfo, InjectResponse } from '../../src/agent-protocol/api.js';
import { startAgent } from '../../src/agent-daemon/daemon.js';
import type { AgentOptions, RunningAgent } from '../../src/agent-daemon/daemon.js';
import { Ledger, ledgerFile } from '../../src/agent-daemon/ledger.js';
import type { LedgerRecord } from '../../src/agent-daemon/ledger.js';
import { faultTag } from '../../src/engine/fault.js';
import { findWorkers } from '../../src/faults/support/workers.js';
import { findMatching } from '../../src/targets/match.js';
import { isAlive, processState } from '../../src/targets/proc.js';
import { exactly, host, Lab, processTarget } from '../faults/helpers.js';
import { buildAgentScript, ChildAgent } from './child-agent.js';
import { allowOnHost, memoryLogger } from './harness.js';
import type { LogLine } from './harness.js';

const lab = new Lab();
const children: ChildAgent[] = [];
const agents: RunningAgent[] = [];
const cleanups: (() => void)[] = [];
const stateDirs: string[] = [];
let logs: LogLine[] = [];

beforeAll(async () => {
  await buildAgentScript();
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill()));
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  for (const cleanup of cleanups.splice(0)) cleanup();
  await lab.cleanup();
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  logs = [];
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'firedrill-daemon-'));
  stateDirs.push(dir);
  return dir;
}

async function child(dir: string, ...args: string[]): Promise<ChildAgent> {
  const agent = await ChildAgent.start(dir, ...args);
  children.push(agent);
  return agent;
}

async function inProcess(options: AgentOptions): Promise<RunningAgent> {
  const agent = await startAgent({ sweepIntervalMs: 0, log: memoryLogger(logs), ...options });
  agents.push(agent);
  return agent;
}

/** What the ledger on disk says now, through a connection of the test's own. */
function records(dir: string): LedgerRecord[] {
  const ledger = new Ledger(ledgerFile(dir));
  try {
    return ['r1'].flatMap((runId) => ['pause', 'kill', 'cpu', 'mem', 'disk'].flatMap((f) => ledger.latest(runId, f) ?? []));
  } finally {
    ledger.close();
  }
}

async function get(url: string, token: string): Promise<number> {
  return (await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${token}` } })).status;
}

const running = /^[RS]$/;

describe('firedrill agent: crash recovery', () => {
  it('reverts and verifies every fault type a kill -9 left behind before it accepts new work', async () => {
    const dir = stateDir();
    const first = await child(dir, '--sweep-interval', '0');
    const paused = (await lab.sleep()).pid as number;
    const service = await lab.sleep();
    const match = { cmdline: exactly(processTarget(service.pid as number).cmdline) };
    cleanups.push(() => findMatching(match).forEach((info) => process.kill(info.pid, 'SIGKILL')));
    const fillDir = lab.tempDir();
    allowOnHost(dir, { start: [{ command: service.spawnargs }], directories: [fillDir] }); // what this host allows
    for (const f of ['cpu', 'mem']) lab.tags.add(faultTag('r1', f));
    const faults = [
      { faultId: 'pause', type: 'process-pause', target: processTarget(paused), params: {} },
      {
        faultId: 'kill',
        type: 'process-kill',
        target: processTarget(service.pid as number, { match, start: { command: service.spawnargs } }),
        params: { signal: 'SIGKILL', restart: true },
      },
      { faultId: 'cpu', type: 'cpu-stress', target: host, params: { workers: 1, load: 1 } },
      { faultId: 'mem', type: 'memory-pressure', target: host, params: { mib: 16, keepAvailable: 0 } },
      { faultId: 'disk', type: 'disk-fill', target: host, params: { directory: fillDir, bytes: 1 << 20 } },
    ];
    for (const fault of faults) {
      // A long lease: what reverts them below is the recovery, not an expiry.
      const answer = await first.request<InjectResponse>('POST', '/v1/runs/r1/faults', {
        ...fault,
        step: 'method[0]',
        leaseTtlMs: 600_000,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    }
    const fill = join(fillDir, '.firedrill-fill-fd-r1-disk');
    const effects = () => ({
      paused: processState(paused),
      service: findMatching(match).length,
      cpu: findWorkers('fd-r1-cpu').length,
      mem: findWorkers('fd-r1-mem').length,
      fill: existsSync(fill),
    });
    expect(effects()).toEqual({ paused: 'T', service: 0, cpu: 1, mem: 1, fill: true });

    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(effects()).toEqual({ paused: 'T', service: 0, cpu: 1, mem: 1, fill: true }); // the crash left them all

    const second = await child(dir, '--sweep-interval', '0');
    // It says it listens only now: everything must already be reverted and verified.
    expect(effects()).toEqual({ paused: expect.stringMatching(running), service: 1, cpu: 0, mem: 0, fill: false });
    const after = records(dir);
    expect(after).toHaveLength(5);
    for (const record of after) {
      expect(record).toMatchObject({ status: 'reverted', revertReason: 'agent start: crash recovery', verification: { ok: true } });
    }
    const log = second.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(log.indexOf('crash recovery done')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('crash recovery done')).toBeLessThan(log.indexOf('listening'));
    expect(await get(second.url, second.token)).toBe(200);
  });

  it('stops on SIGTERM with every fault reverted and verified, exit 0, and its files removed', async () => {
    const dir = stateDir();
    const agent = await child(dir);
    const pid = (await lab.sleep()).pid as number;
    const answer = await agent.request('POST', '/v1/runs/r1/faults', {
      faultId: 'pause',
      step: 's',
      type: 'process-pause',
      target: processTarget(pid),
      params: {},
    });
    expect(answer.status).toBe(201);
    expect(processState(pid)).toBe('T');
    expect((JSON.parse(readFileSync(join(dir, AGENT_FILES.info), 'utf8')) as AgentInfo).url).toBe(agent.url);

    expect(await agent.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(processState(pid)).toMatch(running);
    expect(records(dir)).toEqual([expect.objectContaining({ status: 'reverted', revertReason: 'SIGTERM' })]);
    expect(existsSync(join(dir, AGENT_FILES.info))).toBe(false);
    expect(existsSync(join(dir, AGENT_FILES.lock))).toBe(false);
  });

  it('reverts a fault on lease expiry once its controller is killed mid-run', async () => {
    const dir = stateDir();
    const agent = await child(dir);
    const lateness: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const pid = (await lab.sleep()).pid as number;
      const runId = `r${attempt}`;
      // A controller of its own: injects with a 1.5 s lease, renews every 250 ms, until killed
      // (margin for a busy machine: the demo's end-to-end test may run alongside).
      const script = `
        const [url, token, runId, target] = process.argv.slice(1);
        const headers = { authorization: 'Bearer ' + token, 'content-type': 'application/json' };
        const post = (path, body) => fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
        const fault = { faultId: 'pause', step: 's', type: 'process-pause', target: JSON.parse(target), params: {}, leaseTtlMs: 1500 };
        post('/v1/runs/' + runId + '/faults', fault).then(() => {
          console.log('injected');
          setInterval(() => post('/v1/runs/' + runId + '/lease', { ttlMs: 1500 }), 250);
        });`;
      const controller = spawn(process.execPath, ['-e', script, agent.url, agent.token, runId, JSON.stringify(processTarget(pid))], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      lab.track(controller.pid as number);
      await once(controller.stdout, 'data');
      await sleep(1600 + Math.random() * 1000); // past the first TTL: renewals are what kept it
      expect(processState(pid)).toBe('T');
      controller.kill('SIGKILL');
      await expect.poll(() => processState(pid), { timeout: 5000, interval: 5 }).toMatch(running);
      // The process runs again at the SIGCONT; the ledger says so once the revert is verified.
      const latest = () => {
        const ledger = new Ledger(ledgerFile(dir));
        try {
          return ledger.latest(runId, 'pause');
        } finally {
          ledger.close();
        }
      };
      await expect.poll(() => latest()?.status, { timeout: 5000, interval: 10 }).toBe('reverted');
      const record = latest();
      expect(record).toMatchObject({
        status: 'reverted',
        revertReason: expect.stringMatching(/^lease expired/),
        verification: { ok: true },
      });
      lateness.push((record?.verifiedAt ?? 0) - (record?.leaseExpiresAt ?? 0));
    }
    console.log(`controller killed: reverted and verified ${lateness.join(', ')} ms after the lease expired (TTL 1500 ms)`);
  });
});

describe('firedrill agent: its files and its socket', () => {
  it('keeps its token in a 0600 file, and replaces a token file others could read', async () => {
    const dir = stateDir();
    const first = await inProcess({ stateDir: dir });
    const file = join(dir, AGENT_FILES.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(first.token).toMatch(/^[0-9a-f]{64}$/);
    await first.close();

    const again = await inProcess({ stateDir: dir });
    expect(again.token).toBe(first.token); // kept across restarts
    await again.close();

    chmodSync(file, 0o644);
    const third = await inProcess({ stateDir: dir });
    expect(third.token).not.toBe(first.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await get(third.url, first.token)).toBe(401);
    expect(await get(third.url, third.token)).toBe(200);
  });

  it('refuses a second agent on the same state dir with exit code 4, and takes over a dead agent’s lock', async () => {
    const dir = stateDir();
    const first = await inProcess({ stateDir: dir });
    await expect(startAgent({ stateDir: dir, log: memoryLogger(logs) })).rejects.toBeInstanceOf(AgentRunningError);
    const refused = await ChildAgent.run(dir, '--listen', '127.0.0.1:0');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`another agent (pid ${process.pid}) already runs on the state directory`);
    expect(await get(first.url, first.token)).toBe(200); // the first one is unharmed
    await first.close();

    const dead = spawn('true');
    await once(dead, 'exit');
    writeFileSync(join(dir, AGENT_FILES.lock), JSON.stringify({ pid: dead.pid }));
    expect(isAlive(dead.pid as number)).toBe(false);
    const next = await inProcess({ stateDir: dir });
    expect(await get(next.url, next.token)).toBe(200);
  });

  it('listens beyond loopback only with TLS or when told it is insecure, with a warning', async () => {
    const dir = stateDir();
    await expect(inProcess({ stateDir: dir, host: '0.0.0.0' })).rejects.toThrow(/without TLS/);
    expect(existsSync(join(dir, AGENT_FILES.lock))).toBe(false);
    const refused = await ChildAgent.run(dir, '--listen', '0.0.0.0:0');
    expect(refused.code).toBe(2);

    const insecure = await inProcess({ stateDir: dir, host: '0.0.0.0', insecure: true });
    expect(insecure.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('without TLS (--insecure)') }));
    expect(await get(insecure.url.replace('0.0.0.0', '127.0.0.1'), insecure.token)).toBe(200);
    await insecure.close();

    const tls = lab.tempDir();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(tls, 'key.pem'),
        '-out',
        join(tls, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const secure = await inProcess({ stateDir: dir, host: '0.0.0.0', tlsCert: join(tls, 'cert.pem'), tlsKey: join(tls, 'key.pem') });
    expect(secure.url).toMatch(/^https:\/\//);
    const status = await new Promise<number>((resolve, reject) => {
      const url = `${secure.url.replace('0.0.0.0', '127.0.0.1')}/v1/status`;
      httpsRequest(url, { ca: readFileSync(join(tls, 'cert.pem')), headers: { authorization: `Bearer ${secure.token}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
  });
});

describe('firedrill agent: idle exit and sweeps', () => {
  it('exits by itself once idle, but not while it holds a fault', async () => {
    const dir = stateDir();
    const idle = await inProcess({ stateDir: dir, idleExitMs: 200 });
    const stopped = await idle.stopped;
    expect(stopped).toMatchObject({ reason: expect.stringMatching(/^idle for/), ok: true });
    expect(existsSync(join(dir, AGENT_FILES.info))).toBe(false);

    const busy = await inProcess({ stateDir: dir, idleExitMs: 200 });
    const pid = (await lab.sleep()).pid as number;
    const inject = await fetch(`${busy.url}/v1/runs/r1/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${busy.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        faultId: 'pause',
        step: 's',
        type: 'process-pause',
        target: processTarget(pid),
        params: {},
        leaseTtlMs: 2000,
      }),
    });
    expect(inject.status).toBe(201);
    await sleep(600); // three idle limits with a fault held
    expect(await get(busy.url, busy.token)).toBe(200);
    const after = await busy.stopped; // the lease expires, the fault goes, then the agent
    expect(after.reason).toMatch(/^idle for/);
    expect(processState(pid)).toMatch(running);
  });

  it('sweeps orphans at start and periodically', async () => {
    const dir = stateDir();
    const fillDir = lab.tempDir();
    const orphan = (faultId: string) => {
      const tag = faultTag('r0', faultId);
      const ledger = new Ledger(ledgerFile(dir));
      const { id } = ledger.recordIntent({
        runId: 'r0',
        faultId,
        step: 's',
        type: 'disk-fill',
        target: host,
        params: { directory: fillDir },
        tag,
        workDir: dir,
      });
      ledger.markReverted(id, { revertedAt: 1, verifiedAt: 1, verification: { ok: true, detail: 'said gone, was not' } });
      ledger.close();
      const file = join(fillDir, `.firedrill-fill-${tag}`);
      writeFileSync(file, 'x');
      return file;
    };
    const before = orphan('f1');
    await inProcess({ stateDir: dir, sweepIntervalMs: 100 });
    expect(existsSync(before)).toBe(false);
    const later = orphan('f2');
    // The sweep logs after it removes: wait for the log, then look at the file.
    const swept = expect.objectContaining({ msg: 'orphans swept', fields: { removed: [`disk-fill file ${later}`] } });
    await expect.poll(() => logs, { timeout: 5000 }).toContainEqual(swept);
    expect(existsSync(later)).toBe(false);
  });
});
