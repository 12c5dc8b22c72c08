import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processRestart } from '../../src/faults/process-restart.js';
import { findMatching } from '../../src/targets/match.js';
import { isAlive, readProcess } from '../../src/targets/proc.js';
import { exactly, Lab, processTarget } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

function trackMatches(match: { cmdline: string }): number[] {
  const pids = findMatching(match).map((p) => p.pid);
  pids.forEach((pid) => lab.track(pid));
  return pids;
}

describe('process-restart', () => {
  it('stops the service and starts it again, detached and logging, on revert', async () => {
    const marker = `restart-${process.pid}-${Date.now()}`;
    const script = `console.log('up ${marker}'); setInterval(() => {}, 1000)`;
    const child = await lab.nodeReady(script, marker);
    const pid = child.pid as number;
    const match = { name: 'node', cmdline: marker };
    const log = join(lab.tempDir(), 'service.log');
    const start = { command: [process.execPath, '-e', script, '--', marker], log };
    const ctx = lab.context(processRestart, {}, processTarget(pid, { match, start }));

    const state = await processRestart.inject(ctx);
    expect(state).toMatchObject({ pids: [pid], signal: 'SIGTERM' });
    expect(isAlive(pid)).toBe(false);
    expect(trackMatches(match)).toEqual([]);

    await processRestart.revert(ctx, state);
    const [restarted] = trackMatches(match);
    expect(restarted).toBeDefined();
    expect(restarted).not.toBe(pid);
    // its own session: a Ctrl-C aimed at Firedrill does not reach it
    const stat = readFileSync(`/proc/${restarted}/stat`, 'utf8').split(') ')[1]?.split(' ');
    expect(Number(stat?.[3])).toBe(restarted); // session id
    const verification = await processRestart.verify(ctx, state);
    expect(verification).toEqual({ ok: true, detail: expect.stringContaining(`pid ${restarted} matches`) as unknown });
    await expect.poll(() => readFileSync(log, 'utf8')).toContain(`up ${marker}`);
  });

  it('sends SIGKILL when the process ignores SIGTERM past the grace period', async () => {
    const marker = `stubborn-${process.pid}-${Date.now()}`;
    const script = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";
    const pid = (await lab.nodeReady(script, marker)).pid as number;
    const start = { command: [process.execPath, '-e', script, '--', marker] };
    const ctx = lab.context(processRestart, { grace: '100ms' }, processTarget(pid, { match: { cmdline: marker }, start }));

    const state = await processRestart.inject(ctx);
    expect(state).toMatchObject({ pids: [pid], signal: 'SIGKILL' });
    expect(isAlive(pid)).toBe(false);

    await processRestart.revert(ctx, state);
    expect(trackMatches({ cmdline: marker })).toHaveLength(1);
    expect((await processRestart.verify(ctx, state)).ok).toBe(true);
  });

  it('starts the service once when a lost state makes recovery revert twice', async () => {
    const child = await lab.sleep();
    const command = ['sleep', child.spawnargs[1] as string];
    const match = { cmdline: exactly(command.join(' ')) };
    const ctx = lab.context(processRestart, {}, processTarget(child.pid as number, { match, start: { command } }));
    await processRestart.inject(ctx);

    await processRestart.revert(ctx, undefined);
    await processRestart.revert(ctx, undefined);
    const pids = trackMatches(match);
    expect(pids).toHaveLength(1);
    expect(readProcess(pids[0] as number)?.comm).toBe('sleep');
    expect(await processRestart.verify(ctx, undefined)).toMatchObject({ ok: true });
  });

  it('refuses a target without a start command or a match, before touching it', async () => {
    const pid = (await lab.sleep()).pid as number;
    const ctx = lab.context(processRestart, {}, processTarget(pid, { match: { name: 'sleep' } }));
    await expect(processRestart.inject(ctx)).rejects.toThrow(/start command and a match/);
    expect(isAlive(pid)).toBe(true);
  });

  it('starts the service although replicas of it kept running', async () => {
    const child = await lab.sleep();
    const command = ['sleep', child.spawnargs[1] as string];
    const replica = (await lab.spawn(command[0] as string, command.slice(1))).pid as number;
    const match = { cmdline: exactly(command.join(' ')) };
    const ctx = lab.context(processRestart, {}, processTarget(child.pid as number, { match, start: { command } }));

    const state = await processRestart.inject(ctx);
    expect(state.replicas).toEqual([replica]);
    await processRestart.revert(ctx, state);
    const pids = trackMatches(match);
    expect(pids).toHaveLength(2);
    expect(pids).toContain(replica);
  });

  it('does not start a second copy when a supervisor already restarted the service', async () => {
    const child = await lab.sleep();
    const command = ['sleep', child.spawnargs[1] as string];
    const match = { cmdline: exactly(command.join(' ')) };
    const ctx = lab.context(processRestart, {}, processTarget(child.pid as number, { match, start: { command } }));

    const state = await processRestart.inject(ctx);
    const supervised = (await lab.spawn(command[0] as string, command.slice(1))).pid as number;
    await processRestart.revert(ctx, state);
    expect(trackMatches(match)).toEqual([supervised]);
    expect(await processRestart.verify(ctx, state)).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`pid ${supervised}`) as unknown,
    });
  });

  it('fails the revert when the start command cannot run', async () => {
    const child = await lab.sleep();
    const match = { cmdline: exactly(`sleep ${child.spawnargs[1]}`) };
    const start = { command: ['/nonexistent/firedrill-service'] };
    const ctx = lab.context(processRestart, {}, processTarget(child.pid as number, { match, start }));
    const state = await processRestart.inject(ctx);
    await expect(processRestart.revert(ctx, state)).rejects.toThrow(/ENOENT/);
  });

  it('reports a service that did not come back', async () => {
    const child = await lab.sleep();
    const match = { cmdline: exactly(`sleep ${child.spawnargs[1]}`) };
    const start = { command: ['false'] }; // starts, exits at once: the service is not back
    const ctx = lab.context(processRestart, {}, processTarget(child.pid as number, { match, start }));
    const state = await processRestart.inject(ctx);
    await processRestart.revert(ctx, state);
    expect(await processRestart.verify(ctx, state)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('not restarted') as unknown,
    });
  });
});
