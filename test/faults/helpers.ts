import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultTag } from '../../src/engine/fault.js';
import type { FaultContext, FaultState, FaultType } from '../../src/engine/fault.js';
import type { ProcessTarget, ResolvedTarget } from '../../src/engine/target.js';
import { findTagged, isAlive, readProcess, waitUntil } from '../../src/targets/proc.js';

/**
 * Real processes for fault tests, and the bookkeeping to kill every one of them in afterEach
 * even when a test failed half-way (a stopped `sleep` or a busy worker must not outlive it).
 */
export class Lab {
  readonly pids = new Set<number>();
  readonly tags = new Set<string>();
  readonly dirs: string[] = [];

  /** `sleep` for a while; a fractional, random duration makes its command line unique. */
  async sleep(): Promise<ChildProcess> {
    return await this.spawn('sleep', [`${300 + Math.floor(Math.random() * 1e6) / 1e3}`]);
  }

  /** A Node child; `script` runs with -e. */
  async node(script: string, ...args: string[]): Promise<ChildProcess> {
    return await this.spawn(process.execPath, ['-e', script, '--', ...args]);
  }

  /** A Node child that prints `ready` when its script has set itself up (e.g. signal handlers). */
  async nodeReady(script: string, ...args: string[]): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-e', `${script}; process.stdout.write('ready')`, '--', ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.pids.add(child.pid as number);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      let seen = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('ready')) resolve();
      });
    });
    // Keep reading: a pipe closed here would make the child's next write fail with EPIPE and
    // kill it (the script's own output may arrive in a chunk before 'ready').
    child.stdout?.removeAllListeners('data');
    child.stdout?.resume();
    return child;
  }

  async spawn(command: string, args: string[]): Promise<ChildProcess> {
    const child = spawn(command, args, { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    this.pids.add(child.pid as number);
    return child;
  }

  track(pid: number): void {
    this.pids.add(pid);
  }

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'firedrill-test-'));
    this.dirs.push(dir);
    return dir;
  }

  /** Builds the context a fault gets from the executor: validated params, a fresh tag. */
  context<P, S extends FaultState>(
    type: FaultType<P, S>,
    params: unknown,
    target: ResolvedTarget,
    signal = new AbortController().signal,
  ): FaultContext<P> {
    const runId = `t${randomUUID().slice(0, 8)}`;
    const faultId = 'f1';
    const tag = faultTag(runId, faultId);
    this.tags.add(tag);
    const parsed = type.params.parse(params);
    return { runId, faultId, tag, target, params: parsed, workDir: this.tempDir(), signal };
  }

  async cleanup(): Promise<void> {
    for (const tag of this.tags) for (const info of findTagged(tag)) this.pids.add(info.pid);
    for (const pid of this.pids) {
      for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
    }
    await waitUntil(
      () => [...this.pids].filter(isAlive),
      (alive) => alive.length === 0,
      5000,
    );
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.pids.clear();
    this.tags.clear();
    this.dirs.length = 0;
  }
}

/** The target discovery would produce for a running pid. */
export function processTarget(pid: number, extra: Partial<ProcessTarget> = {}): ProcessTarget {
  const info = readProcess(pid);
  if (!info) throw new Error(`pid ${pid} is not running`);
  return { kind: 'process', pid, name: info.comm, cmdline: info.cmdline, ...extra };
}

export const host: ResolvedTarget = { kind: 'host', name: 'local' };

/** A regular expression matching exactly this command line. */
export function exactly(cmdline: string): string {
  return `^${cmdline.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}
