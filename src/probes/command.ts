import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { ProbeType } from '../engine/probe.js';
import { FiredrillError, errorMessage } from '../errors.js';
import { signalProcessGroup, stopProcessGroup } from './process-group.js';
import { duration, roundMs } from './params.js';

export const commandParams = z.strictObject({
  command: z
    .array(z.string())
    .min(1)
    .refine((argv) => argv[0] !== '', { message: 'the program name is empty' })
    .describe('Program and arguments, e.g. [pg_isready, -h, db]. Run directly, never through a shell.'),
  cwd: z.string().min(1).optional().describe('Working directory (default: the current one).'),
  env: z.record(z.string(), z.string()).optional().describe('Environment variables set over the inherited environment.'),
  timeout: duration('30s', 'Time allowed before the command is stopped: SIGTERM, then SIGKILL 2 s later'),
  input: z.string().optional().describe('Text written to the standard input (default: none, stdin is closed).'),
  maxOutputBytes: z.int().min(0).default(65_536).describe('Bytes kept of stdout and of stderr each (default 64 KiB); the rest is dropped.'),
});
export type CommandParams = z.output<typeof commandParams>;

/** Bytes after which output is dropped; later bytes are still read so the child never blocks. */
class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const part = chunk.subarray(0, Math.max(0, this.limit - this.kept));
    if (part.length > 0) this.chunks.push(part);
    this.kept += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * How long stdio may stay open after the command exits. Past it, what still holds the pipes is
 * a background child of the probe's own group (`sh -c 'worker &'`): it is killed, so a probe
 * never leaves processes behind. Real daemons detach from the group and are not touched.
 */
const STDIO_GRACE_MS = 500;

export const commandProbe: ProbeType<CommandParams> = {
  name: 'command',
  summary: 'Runs a program (no shell) and reports its exit code, output and duration; exitCode is null when it was killed.',
  params: commandParams,
  fields: ['exitCode', 'stdout', 'stderr', 'timedOut', 'signal', 'latencyMs'],
  defaultField: 'exitCode',
  defaultTolerance: 0,

  run(params, ctx) {
    const [file, ...args] = params.command as [string, ...string[]];
    return new Promise((resolve, reject) => {
      const started = performance.now();
      // Its own process group, so a timeout stops what it started too (sh -c 'sleep 100').
      const child = spawn(file, args, { cwd: params.cwd, env: { ...process.env, ...params.env }, stdio: 'pipe', detached: true });
      const stdout = new CappedOutput(params.maxOutputBytes);
      const stderr = new CappedOutput(params.maxOutputBytes);
      let timedOut = false;
      let settled = false;
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        stopProcessGroup(child);
      };
      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => stop();
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, params.timeout);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      if (ctx.signal.aborted) stop();

      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => {
        // EPIPE: the command exited without reading its input; its exit code tells the story.
      });
      child.stdin.end(params.input);
      child.on('error', (error) => {
        if (settled || child.pid !== undefined) return;
        cleanup();
        reject(new FiredrillError('FD_PROBE_COMMAND', spawnFailure(file, params.cwd, error), { cause: error }));
      });
      child.on('exit', () => {
        const grace = setTimeout(() => {
          if (child.pid !== undefined) signalProcessGroup(child.pid, 'SIGKILL');
          child.stdout.destroy();
          child.stderr.destroy();
        }, STDIO_GRACE_MS);
        child.once('close', () => clearTimeout(grace));
      });
      child.on('close', (code, signal) => {
        if (settled) return;
        cleanup();
        const latencyMs = roundMs(performance.now() - started);
        if (ctx.signal.aborted && !timedOut) {
          reject(
            new FiredrillError('FD_PROBE_COMMAND', `${file} aborted: ${errorMessage(ctx.signal.reason)}`, { cause: ctx.signal.reason }),
          );
          return;
        }
        // Killed by us, its exit status is our doing, not its answer: exitCode null.
        const exitCode = stopping ? null : code;
        resolve({ exitCode, stdout: stdout.text(), stderr: stderr.text(), timedOut, ...(signal ? { signal } : {}), latencyMs });
      });
    });
  },
};

function spawnFailure(file: string, cwd: string | undefined, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT' && cwd !== undefined && !existsSync(cwd))
    return `cannot run ${file}: working directory ${cwd} does not exist`;
  if (error.code === 'ENOENT') return `cannot run ${file}: command not found (${error.message})`;
  if (error.code === 'EACCES') return `cannot run ${file}: permission denied (${error.message})`;
  return `cannot run ${file}: ${error.message}`;
}
