import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTagged, isAlive, processStartTime, waitForExit } from '../targets/proc.js';
import { signalAll } from './shop/processes.js';

/** Written into each temporary directory of a demo: who owns it. */
const OWNER_FILE = 'firedrill-owner.json';

/** The demo's scratch directory and its PostgreSQL workspace, by name. */
const DEMO_DIR = /^firedrill-(demo|pg-fd[0-9a-f]{8})-/;

interface Owner {
  readonly pid: number;
  readonly startTime: number;
}

/** Marks `dir` as this process's: a later demo removes it if this one dies without cleaning up. */
export function claimDirectory(dir: string): void {
  const owner: Owner = { pid: process.pid, startTime: processStartTime(process.pid) ?? 0 };
  writeFileSync(join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`);
}

/**
 * What a demo killed with SIGKILL (or a power cut) left: its services exit by themselves when
 * their owner is gone, but its PostgreSQL servers and temporary directories stay. For every
 * demo directory whose owner no longer runs (same pid and start time), stops the processes
 * running from it and removes it. Returns one line per directory cleaned.
 */
export async function removeDemoLeftovers(root = tmpdir()): Promise<string[]> {
  const cleaned: string[] = [];
  for (const name of readdirSync(root).filter((entry) => DEMO_DIR.test(entry))) {
    const dir = join(root, name);
    const owner = readOwner(dir);
    if (!owner || (isAlive(owner.pid) && processStartTime(owner.pid) === owner.startTime)) continue;
    const servers = findTagged(`${dir}/`).map((info) => info.pid);
    // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its children with it.
    signalAll(servers, 'SIGQUIT');
    signalAll(await waitForExit(servers, 5000), 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    cleaned.push(`${dir} (demo pid ${owner.pid} is gone${servers.length ? `; ${servers.length} process(es) stopped` : ''})`);
  }
  return cleaned;
}

function readOwner(dir: string): Owner | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Partial<Owner>;
    return typeof owner.pid === 'number' && typeof owner.startTime === 'number'
      ? { pid: owner.pid, startTime: owner.startTime }
      : undefined;
  } catch {
    return undefined; // not ours, or not readable: leave it alone
  }
}
