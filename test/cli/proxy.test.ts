import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Processes, stopAgent } from '../support/processes.js';

const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));
const run = promisify(execFile);

async function firedrill(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** One GET through the proxy: its status, and how long it took. */
function get(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
    })
      .on('error', reject)
      .end();
  });
}

/** A free port on 127.0.0.1 for the proxy to listen on. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const processes = new Processes();
let cwd: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'firedrill-proxy-'));
});

afterEach(async () => {
  await stopAgent(join(cwd, '.firedrill'));
  await processes.stopAll();
  rmSync(cwd, { recursive: true, force: true });
});

describe('links through the fault proxy', () => {
  it('applies the inventory proxies, slows and breaks a link in a run, and leaves it clean', async () => {
    const server = await processes.httpServer();
    const port = await freePort();
    const link = `http://127.0.0.1:${port}/`;
    writeFileSync(join(cwd, 'firedrill.inventory.yaml'), `proxies:\n  web-link: { listen: "127.0.0.1:${port}", upstream: "127.0.0.1:${server.port}", labels: { tier: web } }\n`);
    const applied = await firedrill(cwd, 'proxies', 'apply', '--json');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ proxies: [{ name: 'web-link', upstream: `127.0.0.1:${server.port}` }] });
    expect((await get(link)).status).toBe(200);

    const file = join(cwd, 'link.yaml');
    writeFileSync(
      file,
      `title: the web link misbehaves
targets:
  link: { kind: proxy, selector: { labels: { tier: web } } }
method:
  - name: slow
    fault: proxy-latency
    target: link
    params: { latency: 300ms }
    duration: 1s
  - name: slow-check
    probe: http
    params: { url: "${link}", timeout: 5s }
    tolerance: { status: 200 }
  - name: broken
    fault: http-abort
    target: link
    params: { status: 503, pathPrefix: /api }
  - name: api
    probe: http
    params: { url: "${link}api/orders", timeout: 2s }
    tolerance: { status: 503 }
  - name: rest
    probe: http
    params: { url: "${link}health", timeout: 2s }
    tolerance: { status: 200 }
`,
    );
    const result = await firedrill(cwd, 'run', file, '--json');
    expect(result.code).toBe(0);
    const journal = JSON.parse(readFileSync((JSON.parse(result.stdout) as { journal: string }).journal, 'utf8')) as {
      targets: { link: { name: string; kind: string }[] };
      faults: { type: string; status: string; verification: { ok: boolean } }[];
    };
    expect(journal.targets.link).toEqual([expect.objectContaining({ kind: 'proxy', name: 'web-link' })]);
    expect(journal.faults.map((f) => [f.type, f.status, f.verification.ok])).toEqual([
      ['proxy-latency', 'reverted', true],
      ['http-abort', 'reverted', true],
    ]);

    // After the run the link is clean again: fast and never aborted.
    expect(await get(`${link}api/orders`)).toMatchObject({ status: 200 });
    const listed = await firedrill(cwd, 'proxies', '--json');
    expect(JSON.parse(listed.stdout)).toMatchObject({ agents: [{ agent: 'local', proxies: [{ name: 'web-link', toxics: [] }] }] });
  }, 60_000);

  it('refuses a proxy whose listen address is taken, naming it, and runs nothing', async () => {
    const server = await processes.httpServer();
    writeFileSync(join(cwd, 'firedrill.inventory.yaml'), `proxies:\n  clash: { listen: "127.0.0.1:${server.port}", upstream: "127.0.0.1:${server.port}" }\n`);
    const applied = await firedrill(cwd, 'proxies', 'apply');
    expect(applied.code).toBe(3);
    expect(applied.stderr).toMatch(/proxy clash \(127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+\): .*listen/);
    const listed = await firedrill(cwd, 'proxies', '--json');
    expect(JSON.parse(listed.stdout)).toMatchObject({ agents: [{ agent: 'local', proxies: [] }] });
  }, 60_000);
});
