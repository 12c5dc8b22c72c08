import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
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

  it('runs the quick start example', async () => {
    const result = await firedrill(cwd, 'run', join(EXAMPLES, 'quickstart.yaml'), '--var', `scratch=${cwd}`);
    expect(result.stdout).toContain('verdict PASSED');
    expect(result.code).toBe(0);
  });

  it('prints a JSON Schema that knows every fault type', async () => {
    const result = await firedrill(cwd, 'schema');
    const schema = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(schema.title).toBe('Firedrill experiment');
    expect(result.stdout).toContain('"process-pause"');
    expect(result.stdout).toContain('"availability"');
  });
});
