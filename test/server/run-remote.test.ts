import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { BIN, firedrill } from '../support/cli.js';
import { eventually } from '../probes/fixtures.js';
import { pauseExperiment, testServer, userWithToken } from './fixtures.js';

describe('firedrill run --server', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let sleeper: ChildProcess;
  let token: string;
  let viewer: string;

  beforeAll(async () => {
    server = await testServer(undefined, { agent: true });
    token = await userWithToken(server, 'ci', ['facilitator']);
    viewer = await userWithToken(server, 'watcher', ['viewer']);
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await server?.stop();
  });

  const write = (name: string, text: string): string => {
    const file = join(server.dir, name);
    writeFileSync(file, text);
    return file;
  };
  const remote = (file: string, env: Record<string, string>, ...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'run', file, '--server', server.url, ...args], {
        env: { ...process.env, NO_COLOR: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('runs on the server, shows the progress here, and exits 0 for a run that passed', async () => {
    const pid = sleeper.pid ?? 0;
    const file = write('pause.yaml', pauseExperiment(pid, '500ms', 'remote pause'));
    const result = await remote(file, { FIREDRILL_TOKEN: token }, '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim()) as { runId: string; verdict: string };
    expect(summary.verdict).toBe('passed');
    expect(result.stderr).toContain('process-pause');
    expect(processState(pid)).not.toBe('T');
    // It is the server's run: stored there, with its journal.
    const stored = await fetch(`${server.url}/api/v1/runs/${summary.runId}`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(await stored.json()).toMatchObject({ run: { startedBy: 'ci', verdict: 'passed' } });
  }, 30_000);

  it('exits 1 when the run deviates, as a local run would', async () => {
    const file = write(
      'deviates.yaml',
      'title: deviates\nhypothesis:\n  probes:\n' +
        '    - { name: no, probe: command, params: { command: ["false"] }, tolerance: { exitCode: 0 } }\n' +
        'method:\n  - { name: w, wait: 10ms }\n',
    );
    const result = await remote(file, { FIREDRILL_TOKEN: token }, '-q', '--json');
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ verdict: expect.stringMatching(/deviated|not-steady/) as string });
    expect(result.code).toBe(1);
  }, 30_000);

  it('exits 2 with the problems located in the file for an invalid experiment, and for a missing or wrong token', async () => {
    const file = write('bad.yaml', 'title: bad\nmethod:\n  - { name: x, fault: no-such-fault }\n');
    const invalid = await remote(file, { FIREDRILL_TOKEN: token });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/bad\.yaml:3:\d+ .*no-such-fault/);
    const noToken = await firedrill(server.dir, 'run', file, '--server', server.url);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('FIREDRILL_TOKEN');
    const wrong = await remote(file, { FIREDRILL_TOKEN: 'fdt_wrong' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('refused the token');
    const readOnly = await remote(file, { FIREDRILL_TOKEN: viewer });
    expect(readOnly.code).toBe(2);
    expect(readOnly.stderr).toContain('may not');
  }, 30_000);

  it('cancels the run on the server on Ctrl-C: the fault is reverted there and the exit code says aborted', async () => {
    const pid = sleeper.pid ?? 0;
    const file = write('long.yaml', pauseExperiment(pid, '60s', 'long'));
    const child = spawn(process.execPath, [BIN, 'run', file, '--server', server.url, '-q'], {
      env: { ...process.env, FIREDRILL_TOKEN: token },
      stdio: 'ignore',
    });
    await eventually(() => expect(processState(pid)).toBe('T'), 15_000);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(processState(pid)).not.toBe('T');
  }, 30_000);

  it('exits 3 when the server cannot be reached', async () => {
    const file = write('ok.yaml', 'title: ok\nmethod:\n  - { name: w, wait: 10ms }\n');
    const result = await firedrill(server.dir, 'run', file, '--server', 'http://127.0.0.1:1', '--token-file', write('token', `${token}\n`));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot reach the server http://127.0.0.1:1');
  });
});
