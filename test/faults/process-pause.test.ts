import { afterEach, describe, expect, it } from 'vitest';
import { processPause } from '../../src/faults/process-pause.js';
import { processState } from '../../src/targets/proc.js';
import { Lab, processTarget } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

describe('process-pause', () => {
  it('stops the process and resumes the paused process on revert', async () => {
    const pid = (await lab.sleep()).pid as number;
    const ctx = lab.context(processPause, {}, processTarget(pid));

    const state = await processPause.inject(ctx);
    expect(state).toEqual({ pids: [pid] });
    expect(processState(pid)).toBe('T');
    expect(await processPause.verify(ctx, state)).toMatchObject({ ok: false });

    await processPause.revert(ctx, state);
    expect(processState(pid)).toMatch(/^[RS]$/);
    expect(await processPause.verify(ctx, state)).toEqual({ ok: true, detail: expect.stringMatching(`pid ${pid} is running`) as unknown });
  });

  it('resumes the target pid when the state was lost', async () => {
    const pid = (await lab.sleep()).pid as number;
    const ctx = lab.context(processPause, {}, processTarget(pid));
    await processPause.inject(ctx);
    expect(processState(pid)).toBe('T');

    await processPause.revert(ctx, undefined);
    expect(processState(pid)).toMatch(/^[RS]$/);
    expect((await processPause.verify(ctx, undefined)).ok).toBe(true);
  });

  it('refuses a pid that now belongs to another program', async () => {
    const pid = (await lab.sleep()).pid as number;
    const ctx = lab.context(processPause, {}, processTarget(pid, { name: 'postgres' }));
    await expect(processPause.inject(ctx)).rejects.toThrow(/pid was reused/);
    expect(processState(pid)).toMatch(/^[RS]$/);
  });

  it('accepts no parameters', () => {
    expect(processPause.params.safeParse({ signal: 'SIGSTOP' }).success).toBe(false);
    expect(processPause.params.safeParse({}).success).toBe(true);
  });
});
