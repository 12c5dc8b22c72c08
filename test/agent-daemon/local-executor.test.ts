import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, ledgerFile } from '../../src/agent-daemon/ledger.js';
import { LocalExecutor } from '../../src/agent-daemon/local-executor.js';
import { FaultInjectError } from '../../src/engine/executor.js';
import type { FaultRequest } from '../../src/engine/executor.js';
import type { AnyFaultType } from '../../src/engine/fault.js';
import { faultTypes } from '../../src/faults/index.js';
import { processState } from '../../src/targets/proc.js';
import { host, Lab, processTarget } from '../faults/helpers.js';
import { ledgerSpyFault, marker, markerFault } from './fixtures.js';
import type { Calls } from './fixtures.js';

const lab = new Lab();
let dir = '';
let calls: Calls;
let ledgers: Ledger[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firedrill-executor-'));
  calls = { reverts: [] };
  ledgers = [];
});
afterEach(async () => {
  for (const ledger of ledgers) ledger.close();
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh executor on the test's ledger file, as a new process would open it. */
function executor(extra: AnyFaultType[] = []): { executor: LocalExecutor; ledger: Ledger } {
  const ledger = new Ledger(ledgerFile(dir));
  ledgers.push(ledger);
  const faults = new Map([...faultTypes, ['marker', markerFault(calls)] as const, ...extra.map((t) => [t.name, t] as const)]);
  return { executor: new LocalExecutor({ ledger, faults, workDir: join(dir, 'work') }), ledger };
}

function request(type: string, params: Record<string, unknown> = {}, extra: Partial<FaultRequest> = {}): FaultRequest {
  return { runId: 'r1', faultId: 'f1', step: 'method[0]', type, target: host, params, ...extra };
}

const never = new AbortController().signal;

describe('LocalExecutor', () => {
  it('writes the intent record to disk before the fault acts', async () => {
    const { executor: ex, ledger } = executor([ledgerSpyFault(ledgerFile(dir))]);
    const injected = await ex.inject(request('ledger-spy'), never);
    expect(injected.output).toEqual({ sawStatus: 'intent', sawTag: 'fd-r1-f1' });
    expect(ledger.latest('r1', 'f1')).toMatchObject({ status: 'active', state: injected.output, injectedAt: injected.injectedAt });
  });

  it('pauses a real process and resumes it on revert, recording each step', async () => {
    const { executor: ex, ledger } = executor();
    const pid = (await lab.sleep()).pid as number;
    await ex.inject(request('process-pause', {}, { target: processTarget(pid), durationMs: 1000 }), never);
    expect(processState(pid)).toBe('T');
    expect(ledger.latest('r1', 'f1')).toMatchObject({ status: 'active', state: { pids: [pid] }, durationMs: 1000 });

    const reverted = await ex.revert({ runId: 'r1', faultId: 'f1' });
    expect(processState(pid)).toMatch(/^[RS]$/);
    expect(reverted).toMatchObject({ faultId: 'f1', verification: { ok: true } });
    expect(ledger.latest('r1', 'f1')).toMatchObject({ status: 'reverted', verification: reverted.verification });
  });

  it('reverts what a failed inject touched and reports that cleanup', async () => {
    const { executor: ex, ledger } = executor();
    const error: unknown = await ex.inject(request('marker', { failInject: true }), never).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FaultInjectError);
    const injectError = error as FaultInjectError;
    expect((injectError.cause as Error).message).toBe('boom after touching');
    expect(injectError.cleanup?.verification).toEqual({ ok: true, detail: 'marker gone' });
    expect(calls.reverts).toEqual([{ faultId: 'f1', state: undefined }]);
    expect(existsSync(join(dir, 'work', 'fd-r1-f1.marker'))).toBe(false);
    expect(ledger.latest('r1', 'f1')).toMatchObject({ status: 'reverted', error: 'inject: boom after touching' });
  });

  it('rejects an unknown type, bad parameters or the wrong target kind before writing anything', async () => {
    const { executor: ex, ledger } = executor();
    await expect(ex.inject(request('proces-kill'), never)).rejects.toThrow(
      /unknown fault type "proces-kill" \(did you mean "process-kill"\?\)/,
    );
    await expect(ex.inject(request('disk-fill', { directory: '/tmp', bytes: 1, force: true }), never)).rejects.toThrow(/disk-fill: params/);
    await expect(ex.inject(request('process-pause'), never)).rejects.toThrow(/needs a process target, got host/);
    expect(ledger.latest('r1', 'f1')).toBeUndefined();
  });

  it('reverts a fault once, however often it is asked', async () => {
    const { executor: ex } = executor();
    await ex.inject(request('marker'), never);
    const [first, second] = await Promise.all([ex.revert({ runId: 'r1', faultId: 'f1' }), ex.revert({ runId: 'r1', faultId: 'f1' })]);
    expect(second).toBe(first);
    expect(await ex.revert({ runId: 'r1', faultId: 'f1' })).toBe(first);
    expect(calls.reverts).toHaveLength(1);
  });

  it('runs reverts of different faults in parallel', async () => {
    let started = 0;
    let bothStarted = (): void => {};
    const both = new Promise<void>((resolve) => (bothStarted = resolve));
    const gate = markerFault(calls, {
      name: 'gate',
      async revert() {
        if (++started === 2) bothStarted();
        // Serial reverts would wait here forever: the second would never start.
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('reverts ran one after the other')), 5000).unref(),
        );
        await Promise.race([both, timeout]);
      },
      verify: () => Promise.resolve({ ok: true, detail: 'opened' }),
    });
    const { executor: ex } = executor([gate]);
    await ex.inject(request('gate', {}, { faultId: 'a' }), never);
    await ex.inject(request('gate', {}, { faultId: 'b' }), never);
    const results = await Promise.all([ex.revert({ runId: 'r1', faultId: 'a' }), ex.revert({ runId: 'r1', faultId: 'b' })]);
    expect(results.map((r) => r.verification.ok)).toEqual([true, true]);
  });

  it('records a failed verification or a throwing revert as revert-failed, without throwing', async () => {
    const stuck = markerFault(calls, { name: 'stuck', verify: () => Promise.resolve({ ok: false, detail: 'marker still there' }) });
    const broken = markerFault(calls, { name: 'broken', revert: () => Promise.reject(new Error('EPERM')) });
    const { executor: ex, ledger } = executor([stuck, broken]);
    await ex.inject(request('stuck', {}, { faultId: 's' }), never);
    await ex.inject(request('broken', {}, { faultId: 'b' }), never);

    expect((await ex.revert({ runId: 'r1', faultId: 's' })).verification).toEqual({ ok: false, detail: 'marker still there' });
    expect((await ex.revert({ runId: 'r1', faultId: 'b' })).verification).toEqual({
      ok: false,
      detail: 'revert failed: EPERM; marker still there',
    });
    expect(ledger.latest('r1', 's')).toMatchObject({ status: 'revert-failed' });
    expect(ledger.latest('r1', 'b')).toMatchObject({ status: 'revert-failed', error: 'revert: EPERM' });
  });

  it('refuses to revert a fault id it never heard of', async () => {
    const { executor: ex } = executor();
    await expect(ex.revert({ runId: 'r1', faultId: 'ghost' })).rejects.toThrow(/no fault ghost of run r1 in the ledger/);
  });

  it('lets an aborted inject clean up before a concurrent revert, and reverts once', async () => {
    const slow = markerFault(calls, {
      name: 'slow',
      async inject(ctx) {
        writeFileSync(marker(ctx), ctx.tag);
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted mid-inject'))));
        return {};
      },
    });
    const { executor: ex, ledger } = executor([slow]);
    const controller = new AbortController();
    const injecting = ex.inject(request('slow'), controller.signal).catch((e: unknown) => e);
    await expect.poll(() => ledger.latest('r1', 'f1')?.status).toBe('intent');
    controller.abort();
    const reverted = await ex.revert({ runId: 'r1', faultId: 'f1' });
    const error = (await injecting) as FaultInjectError;
    expect(error.cleanup).toBe(reverted);
    expect(calls.reverts).toHaveLength(1);
    expect(reverted.verification.ok).toBe(true);
    expect(existsSync(join(dir, 'work', 'fd-r1-f1.marker'))).toBe(false);
  });
});

describe('LocalExecutor.recover', () => {
  it('reverts a fault left open by a crashed executor', async () => {
    const pid = (await lab.sleep()).pid as number;
    const crashed = executor();
    await crashed.executor.inject(request('process-pause', {}, { target: processTarget(pid) }), never);
    expect(processState(pid)).toBe('T');
    // The process dies here: no revert. What it wrote is on disk; a new process opens the file.

    const { executor: fresh, ledger } = executor();
    const recovered = await fresh.recover();
    expect(recovered).toEqual([
      expect.objectContaining({
        faultId: 'f1',
        verification: { ok: true, detail: expect.stringMatching(`pid ${pid} is running`) as unknown },
      }),
    ]);
    expect(processState(pid)).toMatch(/^[RS]$/);
    expect(ledger.latest('r1', 'f1')).toMatchObject({ status: 'reverted' });
    expect(await fresh.recover()).toEqual([]);
  });

  it('finds the workers of a fault that crashed between intent and active, from the tag alone', async () => {
    const { ledger } = executor();
    const intent = {
      faultId: 'f1',
      runId: 'r1',
      step: 'method[0]',
      type: 'cpu-stress',
      target: host,
      params: { workers: 1, load: 10 },
      tag: 'fd-r1-f1',
      workDir: dir,
    };
    const record = ledger.recordIntent(intent);
    lab.tags.add(intent.tag);
    // the inject ran, then the process died before it could record the state
    const cpu = faultTypes.get('cpu-stress') as AnyFaultType;
    const { pids } = (await cpu.inject({ ...intent, signal: never })) as { pids: number[] };
    expect(ledger.get(record.id)?.state).toBeUndefined();

    const { executor: fresh } = executor();
    const [recovered] = await fresh.recover();
    expect(recovered?.verification).toEqual({ ok: true, detail: 'no process carries --firedrill-tag=fd-r1-f1' });
    expect(pids.filter((pid) => processState(pid) !== undefined && processState(pid) !== 'Z')).toEqual([]);
  });

  it('reports a fault another executor already reverted, without acting again', async () => {
    const first = executor();
    await first.executor.inject(request('marker'), never);
    const done = await first.executor.revert({ runId: 'r1', faultId: 'f1' });

    const { executor: other } = executor();
    expect(await other.revert({ runId: 'r1', faultId: 'f1' })).toEqual(done);
    expect(calls.reverts).toHaveLength(1);
  });
});
