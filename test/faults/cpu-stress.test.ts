import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuStress } from '../../src/faults/cpu-stress.js';
import { findWorkers } from '../../src/faults/support/workers.js';
import { isAlive, readProcess, waitForExit } from '../../src/targets/proc.js';
import { host, Lab } from './helpers.js';

const lab = new Lab();
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
afterEach(async () => {
  await lab.cleanup();
});

describe('cpu-stress', () => {
  it('starts tagged workers and kills every one of them on revert', async () => {
    const ctx = lab.context(cpuStress, { workers: 2, load: 20 }, host);
    const state = await cpuStress.inject(ctx);

    expect(state.pids).toHaveLength(2);
    for (const pid of state.pids) {
      expect(isAlive(pid)).toBe(true);
      expect(readProcess(pid)?.argv).toContain(`--firedrill-tag=${ctx.tag}`);
    }
    expect(
      findWorkers(ctx.tag)
        .map((p) => p.pid)
        .sort(),
    ).toEqual([...state.pids].sort());
    expect((await cpuStress.verify(ctx, state)).ok).toBe(false);

    await cpuStress.revert(ctx, state);
    expect(state.pids.filter(isAlive)).toEqual([]);
    expect(await cpuStress.verify(ctx, state)).toEqual({ ok: true, detail: `no process carries --firedrill-tag=${ctx.tag}` });
  });

  it('burns CPU: its worker spends most of a second of CPU time in a second, at 80 %', async () => {
    const ctx = lab.context(cpuStress, { workers: 1, load: 80 }, host);
    const state = await cpuStress.inject(ctx);
    const [pid] = state.pids as [number];
    const before = cpuSeconds(pid);
    await sleep(1000);
    const used = cpuSeconds(pid) - before;
    await cpuStress.revert(ctx, state);
    // 0.8 s expected; a busy 2-core machine may give it less, a worker that idles gives ~0.
    expect(used).toBeGreaterThan(0.25);
  });

  it('finds its workers by tag when the state was lost', async () => {
    const ctx = lab.context(cpuStress, { workers: 1, load: 10 }, host);
    const { pids } = await cpuStress.inject(ctx);
    await cpuStress.revert(ctx, undefined);
    expect(pids.filter(isAlive)).toEqual([]);
    expect((await cpuStress.verify(ctx, undefined)).ok).toBe(true);
  });

  it('leaves the workers of another fault alone, even one whose tag extends its own', async () => {
    const mine = lab.context(cpuStress, { workers: 1, load: 10 }, host);
    const theirs = { ...mine, tag: `${mine.tag}0` }; // fd-run-f1 vs fd-run-f10
    lab.tags.add(theirs.tag);
    await cpuStress.inject(mine);
    const other = await cpuStress.inject(theirs);

    await cpuStress.revert(mine, undefined);
    expect(other.pids.filter(isAlive)).toEqual(other.pids);
    await cpuStress.revert(theirs, other);
  });

  it('workers exit on their own at the deadline, with nobody left to kill them', async () => {
    const ctx = lab.context(cpuStress, { workers: 1, load: 10, maxDuration: '200ms' }, host);
    const { pids, deadline } = await cpuStress.inject(ctx);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 200);
    expect(await waitForExit(pids, 10_000)).toEqual([]);
  });

  it("bounds the workers by the step's duration plus a margin", async () => {
    const ctx = { ...lab.context(cpuStress, { workers: 1, load: 1 }, host), durationMs: 5000 };
    const { deadline } = await cpuStress.inject(ctx);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 65_000);
    await cpuStress.revert(ctx, undefined);
  });

  it('validates its parameters', () => {
    expect(cpuStress.params.parse({})).toEqual({ load: 100 });
    expect(cpuStress.params.safeParse({ load: 0 }).success).toBe(false);
    expect(cpuStress.params.safeParse({ load: 101 }).success).toBe(false);
    expect(cpuStress.params.safeParse({ workers: 0 }).success).toBe(false);
    expect(cpuStress.params.parse({ maxDuration: '10m' })).toMatchObject({ maxDuration: 600_000 });
  });
});
