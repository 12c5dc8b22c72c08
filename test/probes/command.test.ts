import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTolerance, judge } from '../../src/experiment/tolerance.js';
import { commandParams, commandProbe } from '../../src/probes/command.js';
import { eventually, noSignal } from './fixtures.js';

const probe = (params: Record<string, unknown>, signal = noSignal()) => commandProbe.run(commandParams.parse(params), { signal });

/** Alive and not a zombie: a killed orphan may wait a while for its new parent to reap it. */
function isRunning(pid: number): boolean {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('command probe', () => {
  it('captures the exit code and output of a program', async () => {
    const output = await probe({ command: ['/bin/echo', 'hello', '$HOME'] });
    expect(output).toMatchObject({ exitCode: 0, stdout: 'hello $HOME\n', stderr: '', timedOut: false });
    expect('signal' in output).toBe(false);
    const { checks } = compileTolerance(commandProbe.defaultTolerance, commandProbe);
    expect(judge(checks, output).met).toBe(true);
  });

  it('reports a non-zero exit code as not meeting the default tolerance', async () => {
    const output = await probe({ command: ['/bin/sh', '-c', 'echo oops >&2; exit 3'] });
    expect(output).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
    const { checks } = compileTolerance(commandProbe.defaultTolerance, commandProbe);
    expect(judge(checks, output).detail).toBe('exitCode 3 is not 0');
  });

  it('writes the input to stdin and closes it', async () => {
    expect((await probe({ command: ['cat'], input: 'from stdin' })).stdout).toBe('from stdin');
    expect((await probe({ command: ['cat'] })).stdout).toBe('');
  });

  it('sets variables over the inherited environment', async () => {
    const output = await probe({ command: ['/bin/sh', '-c', 'printf "%s %s" "$FD_TEST" "${PATH:+has-path}"'], env: { FD_TEST: 'set' } });
    expect(output.stdout).toBe('set has-path');
  });

  it('runs in the given working directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firedrill-cwd-'));
    try {
      expect((await probe({ command: ['pwd'], cwd: dir })).stdout).toBe(`${await realpath(dir)}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps at most maxOutputBytes of each stream and still lets the command finish', async () => {
    const output = await probe({ command: ['/bin/sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" x'], maxOutputBytes: 100 });
    expect(output).toMatchObject({ exitCode: 0, stdout: 'x'.repeat(100) });
  });

  it('stops a command at its timeout, with everything it started, and says so', async () => {
    const output = await probe({ command: ['/bin/sh', '-c', 'sleep 30 & echo $!; wait'], timeout: '300ms' });
    expect(output).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGTERM' });
    const grandchild = Number(String(output.stdout).trim());
    await eventually(() => expect(isRunning(grandchild)).toBe(false));
  });

  it('finishes when the command exits and stops what it left running in the background', async () => {
    const output = await probe({ command: ['/bin/sh', '-c', 'sleep 30 & echo $!'] });
    expect(output).toMatchObject({ exitCode: 0, timedOut: false });
    const grandchild = Number(String(output.stdout).trim());
    await eventually(() => expect(isRunning(grandchild)).toBe(false));
  });

  it('kills a command that ignores SIGTERM after the grace period', async () => {
    const output = await probe({ command: ['/bin/sh', '-c', 'trap "" TERM; sleep 30'], timeout: '200ms' });
    expect(output).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
  });

  it('rejects with a clear message when the program does not exist', async () => {
    await expect(probe({ command: ['firedrill-no-such-program'] })).rejects.toThrow(
      'cannot run firedrill-no-such-program: command not found (spawn firedrill-no-such-program ENOENT)',
    );
    await expect(probe({ command: ['/bin/echo'], cwd: '/nonexistent/firedrill' })).rejects.toThrow(
      'cannot run /bin/echo: working directory /nonexistent/firedrill does not exist',
    );
  });

  it('stops the command and rejects when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = probe({ command: ['sleep', '30'] }, controller.signal);
    setTimeout(() => controller.abort(new Error('run aborted')), 100);
    await expect(pending).rejects.toThrow('sleep aborted: run aborted');
  });

  it('needs a non-empty argument list', () => {
    expect(commandParams.safeParse({ command: [] }).success).toBe(false);
    expect(commandParams.safeParse({ command: [''] }).error?.issues[0]?.message).toBe('the program name is empty');
    expect(commandParams.safeParse({ command: 'echo hi' }).success).toBe(false);
    expect(commandParams.parse({ command: ['true'] })).toMatchObject({ timeout: 30_000, maxOutputBytes: 65_536 });
  });
});
