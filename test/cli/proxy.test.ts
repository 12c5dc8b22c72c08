import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Toxiproxy } from 'toxiproxy-node-client';
import type { ICreateToxicBody } from 'toxiproxy-node-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/agent-daemon/ledger.js';
import { BIN, firedrill } from '../support/cli.js';
import { Processes, stopAgent } from '../support/processes.js';

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
    writeFileSync(
      join(cwd, 'firedrill.inventory.yaml'),
      `proxies:\n  web-link: { listen: "127.0.0.1:${port}", upstream: "127.0.0.1:${server.port}", labels: { tier: web } }\n`,
    );
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
  - name: slow-check
    probe: http
    params: { url: "${link}", timeout: 5s }
    tolerance: { status: 200, latencyMs: { gte: 280 } }
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
    const journal = JSON.parse(readFileSync((JSON.parse(result.stdout) as { journal: string }).journal, 'utf8')) as {
      targets: { link: { name: string; kind: string }[] };
      activities: { activity: { name: string }; output: { met: boolean; output: { latencyMs: number } } }[];
      faults: { type: string; status: string; verification: { ok: boolean } }[];
    };
    // The latency is still injected when the probe runs: its answer takes at least the 300 ms configured.
    const slowCheck = journal.activities.find((entry) => entry.activity.name === 'slow-check');
    expect(slowCheck?.output.output.latencyMs).toBeGreaterThanOrEqual(280);
    expect(slowCheck?.output.met).toBe(true);
    expect(result.code).toBe(0);
    expect(journal.targets.link).toEqual([expect.objectContaining({ kind: 'proxy', name: 'web-link' })]);
    expect(journal.faults.map((f) => [f.type, f.status, f.verification.ok])).toEqual([
      ['proxy-latency', 'reverted', true],
      ['http-abort', 'reverted', true],
    ]);

    // After the run the link is clean again: never aborted, and well under the 300 ms latency it had.
    const after = await get(`${link}api/orders`);
    expect(after.status).toBe(200);
    expect(after.ms).toBeLessThan(150);
    const listed = await firedrill(cwd, 'proxies', '--json');
    expect(JSON.parse(listed.stdout)).toMatchObject({ agents: [{ agent: 'local', proxies: [{ name: 'web-link', toxics: [] }] }] });
  }, 60_000);

  it('refuses a proxy whose listen address is taken, naming it, and runs nothing', async () => {
    const server = await processes.httpServer();
    writeFileSync(
      join(cwd, 'firedrill.inventory.yaml'),
      `proxies:\n  clash: { listen: "127.0.0.1:${server.port}", upstream: "127.0.0.1:${server.port}" }\n`,
    );
    const applied = await firedrill(cwd, 'proxies', 'apply');
    expect(applied.code).toBe(3);
    expect(applied.stderr).toMatch(/proxy clash \(127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+\): .*listen/);
    const listed = await firedrill(cwd, 'proxies', '--json');
    expect(JSON.parse(listed.stdout)).toMatchObject({ agents: [{ agent: 'local', proxies: [] }] });
  }, 60_000);

  it('runs its proxies again after the agent is killed, without the toxics it held', async () => {
    const server = await processes.httpServer();
    const port = await freePort();
    const link = `http://127.0.0.1:${port}/`;
    writeFileSync(
      join(cwd, 'firedrill.inventory.yaml'),
      `proxies:\n  web-link: { listen: "127.0.0.1:${port}", upstream: "127.0.0.1:${server.port}" }\n`,
    );
    writeFileSync(
      join(cwd, 'slow.yaml'),
      'title: slow\ntargets:\n  link: { kind: proxy, selector: { name: web-link } }\n' +
        'method:\n  - { fault: proxy-latency, target: link, params: { latency: 1s }, duration: 60s }\n',
    );
    const run = spawn(process.execPath, [BIN, 'run', join(cwd, 'slow.yaml'), '-q'], { cwd, stdio: 'ignore' });
    const exited = new Promise((resolve) => run.on('exit', resolve));
    let slowed = false;
    for (let i = 0; i < 100 && !slowed; i++) {
      await sleep(100);
      slowed = await get(link).then(
        (r) => r.ms >= 1000,
        () => false,
      );
    }
    expect(slowed).toBe(true);
    const agentPid = (JSON.parse(readFileSync(join(cwd, '.firedrill', 'agent.json'), 'utf8')) as { pid: number }).pid;
    process.kill(agentPid, 'SIGKILL');
    run.kill('SIGKILL');
    await exited;

    // The next command starts the agent again: it recovers, then runs the proxy, clean.
    const listed = await firedrill(cwd, 'proxies', 'apply', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ proxies: [{ name: 'web-link', toxics: [] }] });
    const after = await get(link);
    expect(after.status).toBe(200);
    expect(after.ms).toBeLessThan(1000); // the 1 s toxic is gone, not merely shorter
    const ledger = new Ledger(join(cwd, '.firedrill', 'ledger.db'));
    try {
      expect(ledger.open()).toEqual([]);
    } finally {
      ledger.close();
    }
  }, 60_000);

  it('serves the Toxiproxy API; halt removes its toxics and refuses new ones until resume', async () => {
    const server = await processes.httpServer();
    const agentArgs = ['agent', '--listen', '127.0.0.1:0', '--toxiproxy-listen', '127.0.0.1:0', '--state-dir', join(cwd, '.firedrill')];
    const agent = spawn(process.execPath, [BIN, ...agentArgs], { stdio: 'ignore' });
    let info: { toxiproxyUrl?: string } = {};
    for (let i = 0; i < 200 && !info.toxiproxyUrl; i++) {
      await sleep(25);
      try {
        info = JSON.parse(readFileSync(join(cwd, '.firedrill', 'agent.json'), 'utf8')) as { toxiproxyUrl?: string };
      } catch {
        // not written yet
      }
    }
    expect(info.toxiproxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const toxiproxy = new Toxiproxy(info.toxiproxyUrl as string);
    const proxy = await toxiproxy.createProxy({ name: 'suite', listen: '127.0.0.1:0', upstream: `127.0.0.1:${server.port}` });
    const url = `http://${proxy.listen}/`;
    await proxy.addToxic({ type: 'latency', attributes: { latency: 2000, jitter: 0 } } as unknown as ICreateToxicBody<unknown>);
    expect((await get(url)).ms).toBeGreaterThanOrEqual(2000);

    const halt = await firedrill(cwd, 'halt', '--reason', 'stop the suite', '--json');
    expect(halt.code).toBe(0);
    expect(JSON.parse(halt.stdout)).toMatchObject({ agents: [{ agent: 'local', reverted: 1, unverified: 0 }] });
    expect(await (await fetch(`${info.toxiproxyUrl as string}/proxies/suite/toxics`)).json()).toEqual([]);
    expect((await get(url)).ms).toBeLessThan(2000);
    await expect(
      proxy.addToxic({ type: 'latency', attributes: { latency: 10, jitter: 0 } } as unknown as ICreateToxicBody<unknown>),
    ).rejects.toThrow();

    expect((await firedrill(cwd, 'resume')).code).toBe(0);
    const again = await proxy.addToxic({ type: 'latency', attributes: { latency: 10, jitter: 0 } } as unknown as ICreateToxicBody<unknown>);
    await again.remove();
    // Toxiproxy clients see only their own proxies, and a Firedrill drill's stay out of reach.
    expect(Object.keys(await toxiproxy.getAll())).toEqual(['suite']);
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent.on('exit', resolve));
  }, 60_000);
});
