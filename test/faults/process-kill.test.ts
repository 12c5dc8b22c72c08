import { afterEach, describe, expect, it } from 'vitest';
import { processKill } from '../../src/faults/process-kill.js';
import { findMatching } from '../../src/targets/match.js';
import { isAlive } from '../../src/targets/proc.js';
import { exactly, Lab, processTarget } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

describe('process-kill', () => {
  it('kills the process, waits for it to exit and reports it stays down', async () => {
    const pid = (await lab.sleep()).pid as number;
    const ctx = lab.context(processKill, {}, processTarget(pid));

    const state = await processKill.inject(ctx);
    expect(state).toMatchObject({ pids: [pid], signal: 'SIGTERM' });
    expect(isAlive(pid)).toBe(false);

    await processKill.revert(ctx, state);
    expect(await processKill.verify(ctx, state)).toEqual({ ok: true, detail: `irreversible: pid ${pid} stays down` });
  });

  it('refuses restart without a start command, before touching the process', async () => {
    const pid = (await lab.sleep()).pid as number;
    const ctx = lab.context(processKill, { restart: true }, processTarget(pid));
    await expect(processKill.inject(ctx)).rejects.toThrow(/needs a start command/);
    expect(isAlive(pid)).toBe(true);
  });

  it('starts the service again on revert when asked to, only once', async () => {
    const child = await lab.sleep();
    const pid = child.pid as number;
    const command = ['sleep', child.spawnargs[1] as string];
    const match = { cmdline: exactly(command.join(' ')) };
    const ctx = lab.context(processKill, { restart: true, signal: 'SIGKILL' }, processTarget(pid, { match, start: { command } }));

    const state = await processKill.inject(ctx);
    expect(isAlive(pid)).toBe(false);
    expect(findMatching(match)).toEqual([]);

    await processKill.revert(ctx, state);
    const restarted = findMatching(match).map((p) => p.pid);
    restarted.forEach((p) => lab.track(p));
    expect(restarted).toHaveLength(1);
    expect(restarted[0]).not.toBe(pid);
    expect(await processKill.verify(ctx, state)).toEqual({ ok: true, detail: expect.stringContaining(`pid ${restarted[0]}`) as unknown });

    await processKill.revert(ctx, undefined); // a recovery replaying the revert
    expect(findMatching(match).map((p) => p.pid)).toEqual(restarted);
  });

  it('fails the injection when the process outlives the wait', async () => {
    const child = await lab.nodeReady("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)");
    const pid = child.pid as number;
    const ctx = lab.context(processKill, { waitExit: '100ms' }, processTarget(pid));
    await expect(processKill.inject(ctx)).rejects.toThrow(/still running/);
    expect(await processKill.verify(ctx, undefined)).toMatchObject({
      ok: true,
      detail: expect.stringContaining('never went down') as unknown,
    });
  });

  it('validates its parameters', () => {
    expect(processKill.params.parse({ waitExit: '2s' })).toEqual({ signal: 'SIGTERM', waitExit: 2000, restart: false });
    expect(processKill.params.safeParse({ signal: 'SIGFOO' }).success).toBe(false);
    expect(processKill.params.safeParse({ waitExit: '2' }).success).toBe(false);
    expect(processKill.params.safeParse({ force: true }).success).toBe(false);
  });
});
