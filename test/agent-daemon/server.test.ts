import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { haltFile, writeHalt } from '../../src/agent-protocol/halt-file.js';
import { Ledger, ledgerFile } from '../../src/agent-daemon/ledger.js';
import { LocalExecutor } from '../../src/agent-daemon/local-executor.js';
import { faultTypes } from '../../src/faults/index.js';
import { processState } from '../../src/targets/proc.js';
import { exactly, Lab, processTarget } from '../faults/helpers.js';
import { AgentHarness } from './harness.js';

const lab = new Lab();
let agent: AgentHarness;
const others: AgentHarness[] = [];

beforeEach(() => {
  agent = new AgentHarness();
});
afterEach(async () => {
  await Promise.all([agent, ...others.splice(0)].map((a) => a.close()));
  await lab.cleanup();
});

/** A running `sleep` and the process target discovery would make of it. */
async function sleeper() {
  const pid = (await lab.sleep()).pid as number;
  return { pid, target: processTarget(pid) };
}

const running = /^[RS]$/;

describe('agent API: authentication and input', () => {
  it('answers 401 without a token or with a wrong one, and touches neither the process nor the ledger', async () => {
    const { pid, target } = await sleeper();
    const body = { faultId: 'f1', step: 'method[0]', type: 'process-pause', target, params: {} };
    for (const token of [null, 'b'.repeat(64), '', 'a']) {
      const answer = await agent.request('POST', '/v1/runs/r1/faults', body, token);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('FD_UNAUTHORIZED');
    }
    for (const [method, path] of [
      ['GET', '/v1/status'],
      ['POST', '/v1/halt'],
      ['POST', '/v1/recover'],
      ['GET', '/v1/nowhere'],
    ] as const) {
      expect((await agent.request(method, path, method === 'POST' ? { reason: 'x' } : undefined, null)).status).toBe(401);
    }
    expect(processState(pid)).toMatch(running);
    expect(agent.core.ledger.latest('r1', 'f1')).toBeUndefined();
    expect(existsSync(haltFile(agent.stateDir))).toBe(false);
  });

  it('answers 400 naming the field for malformed JSON, a body off the schema or a bad id, and records nothing', async () => {
    const { pid, target } = await sleeper();
    const malformed = await agent.request('POST', '/v1/runs/r1/faults', '{"faultId": "f1",');
    expect(malformed).toMatchObject({
      status: 400,
      body: { error: { code: 'FD_INVALID_BODY', message: expect.stringContaining('not valid JSON') } },
    });

    const badPid = await agent.inject('r1', { type: 'process-pause', target: { ...target, pid: 'x' as unknown as number } });
    expect(badPid).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('target.pid') } } });
    const missing = await agent.request('POST', '/v1/runs/r1/faults', { step: 's', type: 'process-pause', target, params: {} });
    expect(missing.body.error.message).toContain('faultId');
    const extra = await agent.inject('r1', { type: 'process-pause', target, leaseTtlMs: 5 });
    expect(extra.body.error.message).toContain('leaseTtlMs');
    const badRun = await agent.inject('r 1', { type: 'process-pause', target });
    expect(badRun).toMatchObject({ status: 400, body: { error: { code: 'FD_INVALID_ID', message: expect.stringContaining('runId') } } });
    const badParams = await agent.inject('r1', { type: 'cpu-stress', target: { kind: 'host', name: 'local' }, params: { load: 500 } });
    expect(badParams).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('params.load') } } });
    const badHalt = await agent.halt('');
    expect(badHalt).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('reason') } } });

    expect(processState(pid)).toMatch(running);
    expect(agent.core.ledger.open()).toEqual([]);
    expect(agent.core.ledger.latest('r1', 'f1')).toBeUndefined();
    expect(existsSync(haltFile(agent.stateDir))).toBe(false);
  });
});

describe('agent API: faults', () => {
  it('pauses a real sleep, lists it in the status, and resumes it on revert', async () => {
    const { pid, target } = await sleeper();
    const injected = await agent.inject('r1', { type: 'process-pause', target, durationMs: 60_000 });
    expect(injected).toMatchObject({ status: 201, body: { faultId: 'f1', output: { pids: [pid] }, leaseExpiresAt: expect.any(Number) } });
    expect(processState(pid)).toBe('T');
    const record = agent.core.ledger.latest('r1', 'f1');
    expect(record).toMatchObject({ status: 'active', leaseExpiresAt: injected.body.leaseExpiresAt });

    const status = await agent.status();
    expect(status.body).toMatchObject({ halted: null, faults: [{ runId: 'r1', faultId: 'f1', type: 'process-pause', target: { pid } }] });

    const reverted = await agent.revert('r1', 'f1');
    expect(reverted).toMatchObject({ status: 200, body: { runId: 'r1', faultId: 'f1', verification: { ok: true } } });
    expect(processState(pid)).toMatch(running);
    expect(agent.core.ledger.latest('r1', 'f1')).toMatchObject({ status: 'reverted', revertReason: 'reverted on request' });
    expect((await agent.status()).body.faults).toEqual([]);
  });

  it('refuses a second inject of an active fault with 409, and 404s the revert of a fault it never saw', async () => {
    const { pid, target } = await sleeper();
    expect((await agent.inject('r1', { type: 'process-pause', target })).status).toBe(201);
    const again = await agent.inject('r1', { type: 'process-pause', target });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'FD_FAULT_ACTIVE' } } });
    expect((await agent.revert('r1', 'nope')).status).toBe(404);

    expect((await agent.revert('r1', 'f1')).body.verification.ok).toBe(true);
    expect(processState(pid)).toMatch(running);
  });

  it('returns a failed inject as an error with the cleanup it did', async () => {
    const { pid, target } = await sleeper();
    const answer = await agent.inject('r1', { type: 'process-pause', target: { ...target, name: 'not-sleep' } });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'FD_FAULT_INJECT', cleanup: { verification: { ok: true } } } } });
    expect(processState(pid)).toMatch(running);
    expect(agent.core.ledger.open()).toEqual([]);
  });

  it('ends a run: reverts its faults, including one still being injected, and refuses its later injections', async () => {
    const { pid, target } = await sleeper();
    const second = await sleeper();
    expect((await agent.inject('r1', { type: 'process-pause', target, durationMs: 60_000 })).status).toBe(201);
    // memory-pressure takes a while to touch its pages: the end arrives while it is injecting.
    const slow = agent.inject('r1', {
      faultId: 'f2',
      type: 'memory-pressure',
      target: { kind: 'host', name: 'local' },
      params: { mib: 256 },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ended = await agent.request('POST', '/v1/runs/r1/end', { reason: 'aborted: test' });
    expect(ended.status).toBe(200);
    expect(processState(pid)).toMatch(running);
    const late = await slow;
    expect(late.status === 201 || late.status === 409).toBe(true);
    expect(agent.core.ledger.open()).toEqual([]);
    const refused = await agent.inject('r1', { faultId: 'f3', type: 'process-pause', target: second.target });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'FD_RUN_ENDED' } } });
    expect(processState(second.pid)).toMatch(running);
    // another run is not affected
    expect((await agent.inject('r2', { type: 'process-pause', target: second.target, durationMs: 60_000 })).status).toBe(201);
    expect((await agent.revert('r2', 'f1')).status).toBe(200);
    expect(processState(second.pid)).toMatch(running);
  });

  it('reverts on recover the open ledger records no live fault owns', async () => {
    const { pid, target } = await sleeper();
    // Another executor on the same ledger injects and "crashes": its record stays open.
    const ledger = new Ledger(ledgerFile(agent.stateDir));
    const crashed = new LocalExecutor({ ledger, faults: faultTypes, workDir: agent.stateDir });
    await crashed.inject(
      { runId: 'r0', faultId: 'f1', step: 's', type: 'process-pause', target, params: {} },
      new AbortController().signal,
    );
    ledger.close();
    expect(processState(pid)).toBe('T');

    const recovered = await agent.recover();
    expect(recovered.body).toMatchObject({ reverted: [{ runId: 'r0', faultId: 'f1', verification: { ok: true } }], swept: [] });
    expect(processState(pid)).toMatch(running);
    expect(agent.core.ledger.latest('r0', 'f1')).toMatchObject({ status: 'reverted', revertReason: 'recovery requested' });
  });

  it('finds processes by match, never Firedrill itself', async () => {
    const child = await lab.sleep();
    const cmdline = processTarget(child.pid as number).cmdline;
    const found = await agent.find({ cmdline: exactly(cmdline) });
    expect(found.body).toEqual({ processes: [{ kind: 'process', pid: child.pid, name: 'sleep', cmdline }] });
    const self = await agent.find({ pid: process.pid });
    expect(self.body).toEqual({ processes: [] });
    const byName = await agent.find({ name: 'node' });
    expect(byName.body.processes.map((p) => p.pid)).not.toContain(process.pid);
    expect((await agent.find({})).status).toBe(400);
  });
});

describe('agent API: leases', () => {
  it('resumes a paused sleep once its lease expires unrenewed, and the ledger says the lease expired', async () => {
    const { pid, target } = await sleeper();
    const injected = await agent.inject('r1', { type: 'process-pause', target, leaseTtlMs: 300 });
    expect(processState(pid)).toBe('T');

    await expect.poll(() => processState(pid), { timeout: 5000, interval: 20 }).toMatch(running);
    await expect.poll(() => agent.core.ledger.latest('r1', 'f1')?.status, { timeout: 5000 }).toBe('reverted');
    const record = agent.core.ledger.latest('r1', 'f1');
    expect(record?.revertReason).toMatch(/^lease expired at /);
    expect(record?.verification?.ok).toBe(true);
    console.log(
      `lease expiry: reverted and verified ${(record?.verifiedAt ?? 0) - injected.body.leaseExpiresAt} ms after the lease expired (TTL 300 ms)`,
    );

    const lease = await agent.lease('r1', 300);
    expect(lease.body).toMatchObject({ active: [], expired: ['f1'], halted: null });
    expect(agent.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('lease expired') }));
  });

  it('keeps the fault past its TTL while the lease is renewed, then reverts it when renewals stop', async () => {
    const { pid, target } = await sleeper();
    await agent.inject('r1', { type: 'process-pause', target, leaseTtlMs: 300 });
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      const lease = await agent.lease('r1', 300);
      expect(lease.body).toMatchObject({ active: ['f1'], expired: [] });
      expect(agent.core.ledger.latest('r1', 'f1')?.leaseExpiresAt).toBe(lease.body.expiresAt);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(processState(pid)).toBe('T'); // more than three TTLs later, still paused

    await expect.poll(() => processState(pid), { timeout: 5000, interval: 20 }).toMatch(running);
    expect(agent.core.ledger.latest('r1', 'f1')?.revertReason).toMatch(/^lease expired/);
  });
});

describe('agent API: halt', () => {
  it('reverts every fault at once, refuses injections with 409 until resume, and keeps the halt on disk', async () => {
    const sleeps = await Promise.all([sleeper(), sleeper(), sleeper()]);
    await agent.inject('r1', { faultId: 'f1', type: 'process-pause', target: sleeps[0].target });
    await agent.inject('r1', { faultId: 'f2', type: 'process-pause', target: sleeps[1].target });
    await agent.inject('r2', { faultId: 'f1', type: 'process-pause', target: sleeps[2].target });
    expect(sleeps.map((s) => processState(s.pid))).toEqual(['T', 'T', 'T']);

    const halt = await agent.halt('checkout errors');
    expect(halt.status).toBe(200);
    expect(halt.body.halted).toMatchObject({ reason: 'checkout errors' });
    expect(halt.body.latencyMs).toEqual(expect.any(Number));
    expect(halt.body.reverted.map((r) => `${r.runId}/${r.faultId}`).sort()).toEqual(['r1/f1', 'r1/f2', 'r2/f1']);
    expect(halt.body.reverted.every((r) => r.verification.ok)).toBe(true);
    for (const s of sleeps) expect(processState(s.pid)).toMatch(running);
    expect(agent.core.ledger.latest('r1', 'f2')?.revertReason).toBe('halt: checkout errors');
    expect(existsSync(haltFile(agent.stateDir))).toBe(true);

    const refused = await agent.inject('r3', { type: 'process-pause', target: sleeps[0].target });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'FD_HALTED' } } });
    expect(processState(sleeps[0].pid)).toMatch(running);
    expect((await agent.lease('r1')).body.halted).toMatchObject({ reason: 'checkout errors' });

    // A restarted agent on the same state dir is still halted.
    const restarted = new AgentHarness(agent.stateDir);
    others.push(restarted);
    expect((await restarted.inject('r3', { type: 'process-pause', target: sleeps[0].target })).status).toBe(409);

    expect((await agent.request('POST', '/v1/resume')).body).toEqual({ halted: null });
    expect(existsSync(haltFile(agent.stateDir))).toBe(false);
    expect((await agent.inject('r3', { type: 'process-pause', target: sleeps[0].target })).status).toBe(201);
    expect((await agent.revert('r3', 'f1')).body.verification.ok).toBe(true);
    expect(processState(sleeps[0].pid)).toMatch(running);
  });

  it('honours a halt.json written by someone else: on start, and while it runs', async () => {
    const { pid, target } = await sleeper();
    await agent.inject('r1', { type: 'process-pause', target });
    writeHalt(agent.stateDir, { reason: 'halted by the CLI', at: new Date().toISOString() });

    const refused = await agent.inject('r2', { type: 'process-pause', target });
    expect(refused).toMatchObject({
      status: 409,
      body: { error: { code: 'FD_HALTED', message: expect.stringContaining('halted by the CLI') } },
    });
    await expect.poll(() => processState(pid), { timeout: 5000 }).toMatch(running);
    await expect.poll(() => agent.core.ledger.latest('r1', 'f1')?.status).toBe('reverted');
    expect((await agent.status()).body.halted).toMatchObject({ reason: 'halted by the CLI' });
  });

  it('halts 100 paused sleeps at once and verifies every revert', async () => {
    const sleeps = await Promise.all(Array.from({ length: 100 }, () => sleeper()));
    const injected = await Promise.all(
      sleeps.map((s, i) => agent.inject('r1', { faultId: `f${i}`, type: 'process-pause', target: s.target })),
    );
    expect(injected.every((a) => a.status === 201)).toBe(true);
    expect(sleeps.every((s) => processState(s.pid) === 'T')).toBe(true);

    const halt = await agent.halt('benchmark');
    expect(halt.body.reverted).toHaveLength(100);
    expect(halt.body.reverted.every((r) => r.verification.ok)).toBe(true);
    expect(sleeps.filter((s) => !running.test(processState(s.pid) ?? ''))).toEqual([]);
    expect(agent.core.ledger.open()).toEqual([]);
    console.log(`halt: 100 active faults reverted and verified in ${Math.round(halt.body.latencyMs)} ms (target 100 ms)`);
  });
});
