import type { ChildProcess } from 'node:child_process';
import { serverProcess } from './fixtures.js';

/** A `firedrill server` process whose JSON log (stderr) is kept from the moment it listens, to explain a failure. */
export async function loggedServer(
  cwd: string,
  ...args: string[]
): Promise<{ child: ChildProcess; url: string; out: string; log: string[] }> {
  const server = await serverProcess(cwd, ...args);
  const log: string[] = [];
  server.child.stderr?.on('data', (chunk: Buffer) => log.push(...chunk.toString().split('\n').filter(Boolean)));
  return { ...server, log };
}

/** The warnings and errors of a server's log, for a failure message. */
export function troubles(log: readonly string[]): string {
  return log.filter((line) => /"level":"(warn|error)"/.test(line)).join('\n');
}

/** Resolves once the child has exited (at once if it has). */
export function exited(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops the children (SIGTERM, then SIGKILL after `graceMs`) and waits for them to exit. */
export async function stopAll(children: readonly (ChildProcess | undefined)[], graceMs = 5000): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    }),
  );
}

/** `ms` later. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
