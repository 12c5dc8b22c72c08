import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FiredrillError, errorMessage } from '../errors.js';
import { serverUser } from './server-user.js';

export interface ToolOptions {
  /** Working directory; must be readable by the server user (initdb warns otherwise). */
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Fed to standard input (a dump to restore); standard input is closed when absent. */
  readonly input?: Readable;
  /** Receives standard output (a dump being taken); kept in memory, up to 1 MiB, when absent. */
  readonly output?: Writable;
}

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** How much output is kept in memory for messages. */
const KEPT_BYTES = 1_048_576;

/**
 * Runs a PostgreSQL program (argument array, no shell) as the server user, and fails with its
 * standard error when it exits non-zero, times out or is aborted. Streams go through pipes, so
 * files written or read are Firedrill's, whoever the program runs as.
 */
export async function runTool(file: string, args: readonly string[], options: ToolOptions): Promise<ToolResult> {
  const user = serverUser();
  const what = `${basename(file)} ${args.join(' ')}`;
  options.signal?.throwIfAborted();
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: toolEnvironment(user.home),
    stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    ...(user.uid !== undefined ? { uid: user.uid, gid: user.gid } : {}),
  });
  const { stdin, stdout: out, stderr: err } = child;
  if (!out || !err) throw new FiredrillError('FD_POSTGRES_TOOL', `cannot run ${what}: no output pipes`);
  const stderr = keep(err);
  const stdout = options.output ? undefined : keep(out);
  const flows: Promise<void>[] = [];
  if (options.output) flows.push(pipeline(out, options.output));
  if (options.input && stdin) {
    // EPIPE when the program exits without reading everything: its exit status tells why.
    flows.push(pipeline(options.input, stdin).catch(() => undefined));
  }
  let stopped: string | undefined;
  const kill = (why: string): void => {
    stopped ??= why;
    child.kill('SIGKILL');
  };
  const timer = setTimeout(() => kill(`timed out after ${options.timeoutMs} ms`), options.timeoutMs);
  const onAbort = (): void => kill(`aborted: ${errorMessage(options.signal?.reason)}`);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
    await Promise.all(flows).catch((error: unknown) => {
      throw new FiredrillError('FD_POSTGRES_TOOL', `${what}: ${errorMessage(error)}`, { cause: error });
    });
    if (stopped) throw new FiredrillError('FD_POSTGRES_TOOL', `${what} ${stopped}${tail(stderr.text())}`);
    if (code !== 0) throw new FiredrillError('FD_POSTGRES_TOOL', `${what} failed (exit ${code})${tail(stderr.text())}`);
    return { stdout: stdout?.text() ?? '', stderr: stderr.text() };
  } catch (error) {
    if (error instanceof FiredrillError) throw error;
    throw new FiredrillError('FD_POSTGRES_TOOL', `cannot run ${what}: ${errorMessage(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The environment minus PG* variables: a PGHOST or PGPORT of the user's must not send a tool to
 * another server than the one named in its arguments.
 */
function toolEnvironment(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  return { ...env, HOME: home, LC_ALL: 'C' };
}

function keep(stream: Readable): { text(): string } {
  const chunks: Buffer[] = [];
  let kept = 0;
  stream.on('data', (chunk: Buffer) => {
    if (kept >= KEPT_BYTES) return;
    chunks.push(chunk);
    kept += chunk.length;
  });
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}

function tail(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean).slice(-6);
  return lines.length ? `:\n${lines.join('\n')}` : '';
}
