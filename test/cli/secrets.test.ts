import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firedrill } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';
import { Processes, stopAgent } from '../support/processes.js';

/** A free port on 127.0.0.1 for the proxy to listen on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every file under a directory, as path → bytes (what is on disk, whatever its format). */
function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path, readFileSync(path));
  }
  return files;
}

/** The outputs that contain the secret, by name: the test wants none. */
function leaks(secret: string, outputs: ReadonlyMap<string, Buffer | string>): string[] {
  return [...outputs]
    .filter(([, bytes]) => (typeof bytes === 'string' ? bytes.includes(secret) : bytes.includes(secret)))
    .map(([name]) => name);
}

function outputsOf(name: string, result: CliResult): [string, string][] {
  return [
    [`${name}: stdout`, result.stdout],
    [`${name}: stderr`, result.stderr],
  ];
}

const processes = new Processes();
let cwd: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'firedrill-secrets-'));
});

afterEach(async () => {
  await stopAgent(join(cwd, '.firedrill'));
  await processes.stopAll();
  rmSync(cwd, { recursive: true, force: true });
});

describe('secret variables', () => {
  it('never appear in clear in anything Firedrill writes: terminal, --json, events, journal, reports, agent.log, ledger', async () => {
    const secret = `hunter2-${Math.random().toString(36).slice(2, 10)}`;
    const server = await processes.httpServer();
    const port = await freePort();
    const link = `http://127.0.0.1:${port}/`;
    // The secret is a directory name: disk-fill writes there, so the agent must know it in clear.
    const fillRoot = join(cwd, 'fill');
    mkdirSync(join(fillRoot, secret), { recursive: true });
    writeFileSync(
      join(cwd, 'firedrill.inventory.yaml'),
      `proxies:\n  web-link: { listen: "127.0.0.1:${port}", upstream: "127.0.0.1:${server.port}" }\n`,
    );
    const file = join(cwd, 'secret.yaml');
    writeFileSync(
      file,
      `title: the key stays secret
variables:
  token: { secret: true }
targets:
  link: { kind: proxy, selector: { name: web-link } }
hypothesis:
  during: false
  probes:
    - name: service-up
      probe: http
      params: { url: "${server.url}health?key=\${token}", headers: { authorization: "Bearer \${token}" } }
method:
  - name: refuse-the-key
    fault: http-abort
    target: link
    params: { status: 418, body: "no entry for \${token}", headers: { x-key: "\${token}" } }
  - name: through-the-link
    probe: http
    params: { url: "${link}orders?key=\${token}", headers: { x-key: "\${token}" }, timeout: 2s }
    tolerance: { status: 418 }
  - name: fill
    fault: disk-fill
    params: { directory: "${fillRoot}/\${token}", bytes: 65536, keepFree: 0 }
  - name: fill-where-nothing-is
    fault: disk-fill
    params: { directory: "${fillRoot}/gone-\${token}", bytes: 65536, keepFree: 0 }
    continueOnError: true
`,
    );
    const stateDir = join(cwd, '.firedrill');
    const vars = ['--var', `token=${secret}`];

    const terminal = await firedrill(cwd, 'run', file, ...vars);
    const json = await firedrill(cwd, 'run', file, ...vars, '--json');
    expect(json.stdout, json.stderr).toMatch(/^\{/);
    const { runId, journal: journalPath } = JSON.parse(json.stdout) as { runId: string; journal: string };

    // The secret did its work in clear where it had to: the link refused the key, the fill was written.
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
      activities: { activity: { name: string }; status: string; output: unknown }[];
      faults: { type: string; status: string; verification?: { ok: boolean }; output?: { path?: string } }[];
    };
    expect(journal.activities.find((entry) => entry.activity.name === 'through-the-link')).toMatchObject({
      status: 'succeeded',
      output: { met: true, output: { status: 418, body: 'no entry for ***' } },
    });
    expect(journal.faults.map((f) => [f.type, f.status, f.verification?.ok])).toEqual([
      ['http-abort', 'reverted', true],
      ['disk-fill', 'reverted', true],
      ['disk-fill', 'inject-failed', true], // the cleanup of the failed fill, verified
    ]);
    expect(journal.faults[1]?.output?.path).toBe(join(fillRoot, '***', '.firedrill-fill-fd-') + `${runId}-f2`);

    const reports = await Promise.all(['html', 'md', 'junit'].map((format) => firedrill(cwd, 'report', runId, '--format', format)));
    const outputs = new Map<string, Buffer | string>([
      ...outputsOf('run', terminal),
      ...outputsOf('run --json', json),
      ...reports.flatMap((report, i) => outputsOf(`report ${['html', 'md', 'junit'][i] ?? ''}`, report)),
    ]);
    // Every file of the state directory, read as bytes while the agent still runs (the WAL is there)…
    const live = filesUnder(stateDir);
    for (const name of ['ledger.db', 'ledger.db-wal', 'agent.log', `runs/${runId}/journal.json`, `runs/${runId}/events.jsonl`]) {
      expect([...live.keys()].map((path) => relative(stateDir, path))).toContain(name);
    }
    for (const name of ['report.html', 'report.md', 'junit.xml']) expect(live.has(join(stateDir, 'runs', runId, name))).toBe(true);
    for (const [path, bytes] of live) outputs.set(relative(cwd, path), bytes);
    expect(leaks(secret, outputs)).toEqual([]);

    // …and once it stopped (the ledger checkpointed into ledger.db).
    await stopAgent(stateDir);
    expect(leaks(secret, filesUnder(stateDir))).toEqual([]);
  }, 90_000);

  it('keeps the state directory 0700 and the ledger, agent.log and run files 0600, also in a directory that existed', async () => {
    const stateDir = join(cwd, '.firedrill');
    mkdirSync(stateDir, { mode: 0o755 });
    chmodSync(stateDir, 0o755);
    writeFileSync(join(stateDir, 'agent.log'), '', { mode: 0o644 });
    chmodSync(join(stateDir, 'agent.log'), 0o644);
    const file = join(cwd, 'fill.yaml');
    writeFileSync(
      file,
      `title: a small fill\nmethod:\n  - { fault: disk-fill, params: { directory: "${cwd}", bytes: 4096, keepFree: 0 } }\n`,
    );
    const run = await firedrill(cwd, 'run', file, '--json');
    expect(run.code, run.stderr).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    expect((await firedrill(cwd, 'report', runId)).code).toBe(0);

    const mode = (path: string) => (statSync(join(stateDir, path)).mode & 0o777).toString(8);
    const modes = Object.fromEntries(
      ['.', 'runs', `runs/${runId}`, 'ledger.db', 'ledger.db-wal', 'agent.log', 'agent.token'].map((path) => [path, mode(path)]),
    );
    for (const path of [`runs/${runId}/journal.json`, `runs/${runId}/events.jsonl`, `runs/${runId}/report.html`]) modes[path] = mode(path);
    expect(modes).toEqual({
      '.': '700',
      runs: '700',
      [`runs/${runId}`]: '700',
      'ledger.db': '600',
      'ledger.db-wal': '600',
      'agent.log': '600',
      'agent.token': '600',
      [`runs/${runId}/journal.json`]: '600',
      [`runs/${runId}/events.jsonl`]: '600',
      [`runs/${runId}/report.html`]: '600',
    });
  }, 60_000);
});
