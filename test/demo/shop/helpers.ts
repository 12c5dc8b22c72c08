import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { stopDemoProcesses } from '../../../src/demo/shop/processes.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The built CLI (`npm test` builds first); services run as `firedrill demo-service ROLE …`. */
export const BIN = join(ROOT, 'bin', 'firedrill.js');

export interface Service {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr together. */
  output(): string;
  /** Resolves with how it ended (at once when it already has). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Shop services started by one test file, all tagged with the same fresh demo id: `stopAll`
 * (in afterEach) kills the children it holds, then every process still carrying the id — a
 * service restarted by the test included — so nothing outlives the test.
 */
export class ServiceLab {
  readonly demoId = `fdtest${randomBytes(4).toString('hex')}`;
  private readonly services: Service[] = [];

  /**
   * Starts `firedrill demo-service ROLE --demo ID --name NAME --port PORT ARGS…` and resolves once
   * it says it listens; rejects with its output when it exits first or stays silent for 15 s.
   */
  async start(role: string, name: string, port: number, args: readonly string[] = []): Promise<Service> {
    const child = spawn(
      process.execPath,
      [BIN, 'demo-service', role, '--demo', this.demoId, '--name', name, '--port', String(port), ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    const service: Service = { name, port, child, output: () => text, exited: () => exit };
    this.services.push(service);
    const listening = `listening on 127.0.0.1:${port}`;
    const started = await waitFor(
      () => (text.includes(listening) ? 'up' : child.exitCode !== null || child.signalCode !== null ? 'exited' : undefined),
      15_000,
      `${name} to listen`,
    );
    if (started === 'exited') throw new Error(`${name} exited before listening:\n${text}`);
    return service;
  }

  /** Runs a service to its end (for one that is expected to fail at startup). */
  async run(role: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [BIN, 'demo-service', role, '--demo', this.demoId, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const exit = once(child, 'exit');
    this.services.push({
      name: role,
      port: 0,
      child,
      output: () => text,
      exited: () => exit.then(() => ({ code: child.exitCode, signal: child.signalCode })),
    });
    await exit;
    return { code: child.exitCode, output: text };
  }

  /** SIGKILL, and waits until the process is gone (its port is then free). */
  async kill(service: Service): Promise<void> {
    if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    await service.exited();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.services.map((service) => this.kill(service)));
    this.services.length = 0;
    await stopDemoProcesses(this.demoId, 1000);
  }
}

/**
 * Polls `read` every 50 ms until it returns something other than undefined; fails with `what`
 * after `timeoutMs`. The bound only turns a hang into a failure: tests assert states, not times.
 */
export async function waitFor<T>(read: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** `promise`, or a failure naming `what` after `timeoutMs` (a bound against hangs, not a timing assertion). */
export async function bounded<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

/**
 * One HTTP request on a fresh connection (no keep-alive state carried between calls); `body` is
 * sent as JSON, `rawBody` as it is. Rejects
 * after `timeoutMs`: an upper bound so that a hanging server fails the test instead of stalling it.
 */
export function request(
  url: string,
  options: { method?: string; body?: unknown; rawBody?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${options.method ?? 'GET'} ${url}: no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** The gateway's `GET /health` document. */
export interface GatewayHealth {
  readonly ok: boolean;
  readonly gateway: string;
  readonly upstreams: Record<string, { name: string; healthy: boolean; lastError?: string }[]>;
}

/** The health of one upstream as a gateway sees it. */
export async function upstreamHealth(
  gatewayUrl: string,
  kind: string,
  name: string,
): Promise<{ healthy: boolean; lastError?: string } | undefined> {
  const health = (await request(`${gatewayUrl}/health`)).body as GatewayHealth;
  return health.upstreams[kind]?.find((upstream) => upstream.name === name);
}
