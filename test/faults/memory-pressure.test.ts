import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPressure } from '../../src/faults/memory-pressure.js';
import { findWorkers } from '../../src/faults/support/workers.js';
import { isAlive } from '../../src/targets/proc.js';
import { host, Lab } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) * 1024;
}

describe('memory-pressure', () => {
  it('holds the requested memory in a worker until revert', async () => {
    const ctx = lab.context(memoryPressure, { mib: 64 }, host);
    const state = await memoryPressure.inject(ctx);
    const [pid] = state.pids as [number];

    expect(state.bytes).toBe(64 * 2 ** 20);
    // inject returns once the worker has touched every page: the memory is resident now
    expect(rssBytes(pid)).toBeGreaterThan(0.9 * 64 * 2 ** 20);

    await memoryPressure.revert(ctx, state);
    expect(isAlive(pid)).toBe(false);
    expect((await memoryPressure.verify(ctx, state)).ok).toBe(true);
  });

  it('refuses to eat into the memory that must stay available', async () => {
    const ctx = lab.context(memoryPressure, { mib: 1024 * 1024 * 1024 }, host);
    await expect(memoryPressure.inject(ctx)).rejects.toThrow(/refusing to allocate/);
    expect(findWorkers(ctx.tag)).toEqual([]);
  });

  it('stops waiting for its worker when the run aborts, leaving it to revert', async () => {
    const controller = new AbortController();
    const ctx = lab.context(memoryPressure, { mib: 16 }, host, controller.signal);
    const injecting = memoryPressure.inject(ctx);
    // Node takes tens of milliseconds to start: the worker runs but is not ready yet.
    setImmediate(() => controller.abort(new Error('guardrail tripped')));
    await expect(injecting).rejects.toThrow(/guardrail tripped/);
    expect(findWorkers(ctx.tag)).toHaveLength(1);
    await memoryPressure.revert(ctx, undefined);
    expect(await memoryPressure.verify(ctx, undefined)).toMatchObject({ ok: true });
  });

  it('validates its parameters', () => {
    expect(memoryPressure.params.safeParse({}).success).toBe(false);
    expect(memoryPressure.params.safeParse({ mib: 0 }).success).toBe(false);
    expect(memoryPressure.params.parse({ mib: 8, keepAvailable: '1GiB' })).toEqual({ mib: 8, keepAvailable: 2 ** 30 });
  });
});
