import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMatching } from '../../src/targets/match.js';
import {
  assertSafeToSignal,
  findTagged,
  isAlive,
  listProcesses,
  processState,
  readProcess,
  sendSignal,
  waitForExit,
  waitUntil,
} from '../../src/targets/proc.js';
import { Lab } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

describe('/proc readers', () => {
  it('lists a child process with its name, command line, parent and state', async () => {
    const child = await lab.sleep();
    const pid = child.pid as number;
    const info = listProcesses().find((p) => p.pid === pid);
    expect(info).toMatchObject({ pid, ppid: process.pid, comm: 'sleep', cmdline: `sleep ${child.spawnargs[1]}` });
    expect(info?.state).toMatch(/^[RS]$/);
    expect(isAlive(pid)).toBe(true);
  });

  it('reads a process whose name holds spaces and parentheses', async () => {
    const dir = lab.tempDir();
    const odd = join(dir, 'a (b) c');
    symlinkSync('/usr/bin/sleep', odd);
    const child = await lab.spawn(odd, ['300']);
    expect(readProcess(child.pid as number)).toMatchObject({ comm: 'a (b) c', ppid: process.pid, argv: [odd, '300'] });
  });

  it('names a process whose runtime renamed its main thread MainThread (Node 24) after its program', async () => {
    // What Node 24 does to its own comm, done by a shell to itself: `sh` stays its program.
    const child = await lab.spawn('sh', ['-c', 'printf MainThread > /proc/$$/comm; sleep 300']);
    const pid = child.pid as number;
    for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('MainThread'); i++) await sleep(10);
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('MainThread');
    expect(readProcess(pid)?.comm).toBe('sh');
  });

  it('counts a zombie as not alive', async () => {
    // The shell forks `sleep 0`, then execs into a sleep that never reaps it: a zombie.
    const parent = await lab.spawn('sh', ['-c', 'sleep 0 & exec sleep 300']);
    const zombie = await waitUntil(
      () => listProcesses().find((p) => p.ppid === parent.pid && p.state === 'Z'),
      (found) => found !== undefined,
      5000,
    );
    expect(zombie).toBeDefined();
    expect(processState(zombie?.pid as number)).toBe('Z');
    expect(isAlive(zombie?.pid as number)).toBe(false);
  });

  it('waits for processes to exit and returns those that did not', async () => {
    const stays = (await lab.sleep()).pid as number;
    const goes = (await lab.sleep()).pid as number;
    process.kill(goes, 'SIGKILL');
    expect(await waitForExit([stays, goes], 300)).toEqual([stays]);
    process.kill(stays, 'SIGKILL');
    expect(await waitForExit([stays, goes], 5000)).toEqual([]);
  });

  it('stops waiting when the signal aborts', async () => {
    const pid = (await lab.sleep()).pid as number;
    const controller = new AbortController();
    controller.abort();
    expect(await waitForExit([pid], 60_000, controller.signal)).toEqual([pid]);
  });

  it('finds processes by a tag in their command line', async () => {
    const tagged = await lab.node('setInterval(() => {}, 1000)', '--firedrill-tag=fd-proc-test-1');
    await lab.sleep();
    const found = findTagged('fd-proc-test-1').map((p) => p.pid);
    expect(found).toEqual([tagged.pid]);
  });
});

describe('assertSafeToSignal', () => {
  it('refuses our own pid', () => {
    expect(() => assertSafeToSignal(process.pid)).toThrow(/Firedrill itself/);
    expect(() => sendSignal(process.pid, 'SIGCONT')).toThrow(/Firedrill itself/);
  });

  it('refuses init, our ancestors and process-group pids', () => {
    expect(() => assertSafeToSignal(1)).toThrow(/refusing/);
    expect(() => assertSafeToSignal(process.ppid)).toThrow(/ancestor/);
    expect(() => assertSafeToSignal(0)).toThrow(/refusing/);
    expect(() => assertSafeToSignal(-process.pid)).toThrow(/refusing/);
  });

  it('allows a child process', async () => {
    const pid = (await lab.sleep()).pid as number;
    expect(() => assertSafeToSignal(pid)).not.toThrow();
    expect(sendSignal(pid, 'SIGKILL')).toBe(true);
  });
});

describe('findMatching', () => {
  it('matches by name, command line and pid file, all given fields together', async () => {
    const child = await lab.sleep();
    const pid = child.pid as number;
    const arg = child.spawnargs[1] as string;
    const dir = lab.tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'svc.pid'), `${pid}\n`);

    expect(findMatching({ name: 'sleep', cmdline: arg.replace('.', '\\.') }).map((p) => p.pid)).toEqual([pid]);
    expect(findMatching({ pidFile: join(dir, 'svc.pid') }).map((p) => p.pid)).toEqual([pid]);
    expect(findMatching({ pidFile: join(dir, 'svc.pid'), name: 'node' })).toEqual([]);
    expect(findMatching({})).toEqual([]);
  });
});
