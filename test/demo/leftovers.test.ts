import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDirectory, removeDemoLeftovers } from '../../src/demo/leftovers.js';
import { isAlive, processStartTime, readProcess, waitForExit, waitUntil } from '../../src/targets/proc.js';

const roots: string[] = [];
const pids: number[] = [];

afterEach(() => {
  for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fd-leftovers-'));
  roots.push(dir);
  return dir;
}

/** A process whose command line names `dir`, as a PostgreSQL server started from it does. */
async function serverIn(dir: string): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', `${dir}/primary`], { stdio: 'ignore' });
  const pid = child.pid ?? 0;
  pids.push(pid);
  // Until exec, /proc shows the parent's command line.
  await waitUntil(
    () => readProcess(pid)?.cmdline ?? '',
    (cmdline) => cmdline.includes(dir),
    5000,
  );
  return pid;
}

/** The pid and start time of a process that has exited. */
async function deadOwner(): Promise<{ pid: number; startTime: number }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const pid = child.pid ?? 0;
  const startTime = processStartTime(pid) ?? 0;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return { pid, startTime };
}

describe('what a killed demo left behind', () => {
  it('stops the processes running from a dead demo’s directory and removes it', async () => {
    const base = root();
    const dir = join(base, 'firedrill-pg-fd0123abcd-XyZ123');
    mkdirSync(dir);
    writeFileSync(join(dir, 'firedrill-owner.json'), JSON.stringify(await deadOwner()));
    const server = await serverIn(dir);

    const cleaned = await removeDemoLeftovers(base);

    expect(cleaned).toHaveLength(1);
    expect(cleaned[0]).toContain('1 process(es) stopped');
    expect(existsSync(dir)).toBe(false);
    expect(await waitForExit([server], 5000)).toEqual([]);
  });

  it('leaves alone a live demo’s directory, a directory without an owner, and other names', async () => {
    const base = root();
    const live = join(base, 'firedrill-demo-live01');
    const unowned = join(base, 'firedrill-demo-unowned');
    const other = join(base, 'firedrill-pg-fd-restore-1234-abc');
    for (const dir of [live, unowned, other]) mkdirSync(dir);
    claimDirectory(live);
    writeFileSync(join(other, 'firedrill-owner.json'), JSON.stringify(await deadOwner()));
    const server = await serverIn(live);

    expect(await removeDemoLeftovers(base)).toEqual([]);

    expect([live, unowned, other].filter((dir) => existsSync(dir))).toHaveLength(3);
    expect(isAlive(server)).toBe(true);
  });

  it('treats a reused pid as a different owner', async () => {
    const base = root();
    const dir = join(base, 'firedrill-demo-reused');
    mkdirSync(dir);
    // This process's pid, with another start time: the demo that wrote it is gone.
    writeFileSync(
      join(dir, 'firedrill-owner.json'),
      JSON.stringify({ pid: process.pid, startTime: (processStartTime(process.pid) ?? 0) - 1 }),
    );

    expect(await removeDemoLeftovers(base)).toHaveLength(1);
    expect(existsSync(dir)).toBe(false);
  });
});
