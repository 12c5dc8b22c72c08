import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findTagged, processState } from '../../src/targets/proc.js';
import { BIN, firedrill } from '../support/cli.js';
import { Processes, stopAgent } from '../support/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');

const processes = new Processes();
let cwd: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'firedrill-cli-'));
});

afterEach(async () => {
  await processes.stopAll();
  await stopAgent(join(cwd, '.firedrill'));
  rmSync(cwd, { recursive: true, force: true });
});

describe('the firedrill command', () => {
  it('prints its version and a help text with examples and exit codes', async () => {
    const version = await firedrill(cwd, '--version');
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    const help = await firedrill(cwd, 'run', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--dry-run');
    expect(help.stdout).toContain('Exit codes: 0 passed');
  });

  it('lists every problem of an invalid file with its place, runs nothing and exits 2', async () => {
    const file = join(cwd, 'bad.yaml');
    writeFileSync(file, 'title: bad\ndescripton: x\nmethod:\n  - fault: process-paus\n    target: web\n  - wait: -3s\n');
    const result = await firedrill(cwd, 'validate', file);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `${file}:2:1 descripton: unknown key (did you mean "description"?)`,
      expect.stringMatching(
        new RegExp(`^${file}:4:5 method\\[0\\]\\.fault: unknown fault type "process-paus" \\(did you mean "process-pause"\\?\\)`),
      ),
      expect.stringMatching(new RegExp(`^${file}:6:5 method\\[1\\]\\.wait: expected a duration`)),
      '3 problems found; nothing was run',
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const run = await firedrill(cwd, 'run', file);
    expect(run.code).toBe(2);
    expect(existsSync(join(cwd, '.firedrill'))).toBe(false);
    const json = await firedrill(cwd, 'run', file, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      runId: null,
      verdict: null,
      problems: [expect.objectContaining({ line: 2, col: 1, path: 'descripton' }), expect.anything(), expect.anything()],
    });
  });

  it('reports problems as JSON for scripts', async () => {
    const file = join(cwd, 'bad.yaml');
    writeFileSync(file, 'title: [\n');
    const result = await firedrill(cwd, 'validate', file, '--json');
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as { valid: boolean; problems: { line: number; message: string }[] };
    expect(report.valid).toBe(false);
    expect(report.problems[0]?.message).toMatch(/^invalid YAML: /);
  });

  it('runs an example against a real service and writes its journal, with --json on stdout only', async () => {
    const server = await processes.httpServer();
    const result = await firedrill(
      cwd,
      'run',
      join(EXAMPLES, 'pause-a-process.yaml'),
      '--json',
      '--var',
      `pid=${server.child.pid}`,
      '--var',
      `url=${server.url}`,
      '--var',
      'pause=300ms',
    );
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { runId: string; verdict: string; reason: string; journal: string };
    expect(summary).toMatchObject({ verdict: 'passed', reason: 'the hypothesis held before and after the method' });
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('process-pause on pid'); // progress went to stderr

    const journal = JSON.parse(readFileSync(summary.journal, 'utf8')) as Record<string, unknown> & {
      faults: { status: string; verification: { ok: boolean } }[];
    };
    expect(journal).toMatchObject({ runId: summary.runId, verdict: 'passed', targets: { victim: [{ pid: server.child.pid }] } });
    expect(journal.faults).toEqual([expect.objectContaining({ status: 'reverted', verification: expect.objectContaining({ ok: true }) })]);
    expect(processState(server.child.pid as number)).not.toBe('T');
    const events = readFileSync(join(summary.journal, '..', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(events[0]?.type).toBe('run-started');
    expect(events.at(-1)?.type).toBe('run-ended');

    const listed = await firedrill(cwd, 'runs');
    expect(listed.stdout).toContain(summary.runId);
    const shown = await firedrill(cwd, 'show', summary.runId.slice(0, 17));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Pause a process and check its service recovers');
    expect(shown.stdout).toMatch(/f1 process-pause on pid \d+ \(node\): reverted/);
  });

  it('exits 1 when the drill finds a deviation', async () => {
    const file = join(cwd, 'deviates.yaml');
    writeFileSync(file, 'title: d\nmethod:\n  - probe: command\n    params: { command: ["false"] }\n');
    const result = await firedrill(cwd, 'run', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('verdict DEVIATED');
  });

  it('exits 3 when the tool cannot do its job', async () => {
    const file = join(cwd, 'missing.yaml');
    writeFileSync(
      file,
      'title: m\ntargets:\n  t: { kind: process, selector: { cmdline: "^no-such-firedrill-process$" } }\nmethod:\n  - { fault: process-pause, target: t, duration: 1s }\n',
    );
    const result = await firedrill(cwd, 'run', file);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('target set t matched nothing');
  });

  it('plans a dry run without pausing anything', async () => {
    const sleeper = processes.sleep(201);
    const result = await firedrill(cwd, 'run', join(EXAMPLES, 'pause-a-process.yaml'), '--dry-run', '--var', `pid=${sleeper.pid}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dry run');
    expect(result.stdout).toMatch(/victim: pid \d+ \(sleep\)/);
    expect(existsSync(join(cwd, '.firedrill', 'ledger.db'))).toBe(false);
  });

  it('reverts every fault and exits 1 when interrupted with SIGINT', async () => {
    const sleeper = processes.sleep(202);
    const file = join(cwd, 'long.yaml');
    writeFileSync(
      file,
      `title: long\ntargets:\n  s: { kind: process, selector: { pid: ${sleeper.pid} } }\nmethod:\n  - { fault: process-pause, target: s, duration: 60s }\n`,
    );
    const child = spawn(process.execPath, [BIN, 'run', file, '--json'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!interrupted && stderr.includes('process-pause on pid')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ verdict: 'aborted', reason: 'interrupted by SIGINT' });
    expect(processState(sleeper.pid as number)).not.toBe('T');
  });

  it('runs the quick start example and leaves no worker and no fill file behind', async () => {
    const result = await firedrill(cwd, 'run', join(EXAMPLES, 'quickstart.yaml'), '--var', `scratch=${cwd}`, '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { runId: string; verdict: string; journal: string };
    expect(summary.verdict).toBe('passed');
    const journal = JSON.parse(readFileSync(summary.journal, 'utf8')) as { faults: { type: string; verification?: { ok: boolean } }[] };
    expect(journal.faults.map((f) => [f.type, f.verification?.ok]).sort()).toEqual([
      ['cpu-stress', true],
      ['disk-fill', true],
      ['memory-pressure', true],
    ]);
    // Seen from outside, not from the journal: the workers are gone, the fill file removed.
    expect(findTagged(`--firedrill-tag=fd-${summary.runId}-`)).toEqual([]);
    expect(readdirSync(cwd).filter((name) => name.startsWith('.firedrill-fill-'))).toEqual([]);
  });

  it('prints a JSON Schema that knows every fault type', async () => {
    const result = await firedrill(cwd, 'schema');
    const schema = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(schema.title).toBe('Firedrill experiment');
    expect(result.stdout).toContain('"process-pause"');
    expect(result.stdout).toContain('"availability"');
  });
});

describe('input that escapes the rules', () => {
  const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

  it('reports YAML alias problems as located invalid input, with JSON on stdout for --json', async () => {
    const ten = (alias: string) => `[${Array.from({ length: 10 }, () => alias).join(', ')}]`;
    const cases: Record<string, [string, string]> = {
      'unresolved.yaml': ['title: *nope\nmethod: [{ wait: 1s }]\n', ':1:8 title: unknown alias *nope'],
      'recursive.yaml': ['title: x\nmethod: &a [*a]\n', ':2:13 method[0]: alias *a is inside the value it repeats'],
      'bomb.yaml': [
        `a: &a ${ten('x')}\nb: &b ${ten('*a')}\nc: &c ${ten('*b')}\nd: ${ten('*c')}\ntitle: x\nmethod: [{ wait: 1s }]\n`,
        ':4:',
      ],
    };
    for (const [name, [text, where]] of Object.entries(cases)) {
      const file = join(cwd, name);
      writeFileSync(file, text);
      const result = await firedrill(cwd, 'validate', file);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file}${where}`);
      expect(result.stderr).not.toContain('internal error');
      noStack(result.stderr);
      const json = await firedrill(cwd, 'validate', file, '--json');
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, problems: [expect.objectContaining({ file })] });
      const run = await firedrill(cwd, 'run', file, '--json', '--dry-run');
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout)).toMatchObject({ runId: null, verdict: null, problems: [expect.objectContaining({ file })] });
    }
    expect(existsSync(join(cwd, '.firedrill'))).toBe(false);
  });

  it('refuses durations longer than 7 days before running anything', async () => {
    const file = join(cwd, 'long.yaml');
    writeFileSync(file, 'title: x\nmethod:\n  - { fault: cpu-stress, duration: 2600000s }\nruntime: { maxDuration: 3000000s }\n');
    const result = await firedrill(cwd, 'run', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:3:26 method[0].duration: must be at most 168h (7 days)`);
    expect(result.stderr).toContain(`${file}:4:12 runtime.maxDuration: must be at most 168h (7 days)`);
    expect(existsSync(join(cwd, '.firedrill'))).toBe(false);
  });

  it('refuses a target named like a property of every object as an unknown target set', async () => {
    const file = join(cwd, 'proto.yaml');
    writeFileSync(file, 'title: x\nmethod:\n  - { fault: cpu-stress, target: constructor, duration: 100ms }\n');
    const result = await firedrill(cwd, 'run', file, '--dry-run');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:3:26 method[0].target: unknown target set "constructor"`);
  });

  it('refuses files that are not regular files, or too big, before reading them', async () => {
    const big = join(cwd, 'big.yaml');
    writeFileSync(big, `title: x\n#${'x'.repeat(10 * 1024 * 1024)}\n`);
    const ok = join(cwd, 'ok.yaml');
    writeFileSync(ok, 'title: x\nmethod: [{ wait: 1s }]\n');
    const cases = [
      [['validate', '/dev/zero'], /cannot read experiment file \/dev\/zero: not a regular file/],
      [['validate', cwd], /is a directory/],
      [['validate', big], /larger than 10 MB/],
      [['validate', ok, '--var-file', '/dev/zero'], /cannot read variables file \/dev\/zero: not a regular file/],
      [['validate', ok, '--inventory', '/dev/zero'], /cannot read inventory file \/dev\/zero: not a regular file/],
    ] as const;
    for (const [args, message] of cases) {
      const started = Date.now();
      const result = await firedrill(cwd, ...args);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      noStack(result.stderr);
      const json = await firedrill(cwd, ...args, '--json');
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, error: { code: 'FD_FILE_UNREADABLE' } });
    }
    const run = await firedrill(cwd, 'run', '/dev/zero', '--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ runId: null, verdict: null, code: 'FD_FILE_UNREADABLE' });
  });

  it('refuses a lease TTL the agents would refuse, before running anything', async () => {
    const file = join(cwd, 'ok.yaml');
    writeFileSync(file, 'title: x\nmethod:\n  - { fault: cpu-stress, duration: 100ms }\n');
    for (const ttl of ['2h', '1h1ms', '100ms', 'soon']) {
      const result = await firedrill(cwd, 'run', file, '--lease-ttl', ttl);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--lease-ttl expects a duration between 300ms and 1h/);
      const json = await firedrill(cwd, 'run', file, '--lease-ttl', ttl, '--json');
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ runId: null, verdict: null, code: 'FD_BAD_LEASE_TTL' });
    }
    expect(existsSync(join(cwd, '.firedrill'))).toBe(false);
  });

  it('refuses a runs limit that is not a whole number of at least 1', async () => {
    for (const limit of ['abc', '0', '-3', '1.5']) {
      const result = await firedrill(cwd, 'runs', '-n', limit);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--limit expects a whole number of at least 1, got "${limit}"`);
    }
    expect((await firedrill(cwd, 'runs', '-n', '3')).code).toBe(0);
  });

  it('rounds the halt latency like other durations', async () => {
    const file = join(cwd, 'short.yaml');
    writeFileSync(file, 'title: x\nmethod:\n  - { fault: cpu-stress, params: { workers: 1 }, duration: 50ms }\n');
    expect((await firedrill(cwd, 'run', file, '-q')).code).toBe(0);
    const halt = await firedrill(cwd, 'halt', '--reason', 'test');
    expect(halt.code).toBe(0);
    expect(halt.stdout).toMatch(/^local: halted, 0 fault\(s\) reverted in \d+ms$/m);
    expect((await firedrill(cwd, 'resume')).code).toBe(0);
  });
});
