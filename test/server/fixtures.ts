import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../../src/server/serve.js';
import type { RunningServer, ServeOptions } from '../../src/server/serve.js';
import type { Role } from '../../src/store/users.js';
import type { Logger } from '../../src/util/log.js';
import { BIN } from '../support/cli.js';

/** The built dashboard (`npm run build`); FIREDRILL_WEB_DIR points at another build (one per helper, say). */
export const WEB_DIR = process.env.FIREDRILL_WEB_DIR ?? fileURLToPath(new URL('../../dist/web', import.meta.url));

// Errors still show: a 500 in a test must say why.
export const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (msg, fields) =>
    process.stderr.write(`server error: ${msg} ${String((fields?.error as Error | undefined)?.stack ?? JSON.stringify(fields))}\n`),
};

/**
 * A control plane on a free port of 127.0.0.1 over `database` (a fresh SQLite file by default).
 * With `agent`, a real `firedrill agent` serves its state directory first, as on a server host
 * (in-process, the server could not start one: this process is vitest, not firedrill).
 */
export async function testServer(
  database?: string,
  options: { agent?: boolean; webDir?: string; drills?: ServeOptions['drills']; inventory?: string } = {},
): Promise<RunningServer & { dir: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fd-server-test-'));
  const agent = options.agent ? await startAgent(dir) : undefined;
  const server = await startControlPlane({
    stateDir: dir,
    database,
    listen: { host: '127.0.0.1', port: 0 },
    log: quiet,
    webDir: options.webDir ?? WEB_DIR,
    drills: options.drills,
    inventory: options.inventory,
  });
  return {
    ...server,
    dir,
    async stop() {
      await server.close();
      if (agent) {
        const exited = new Promise((resolve) => agent.once('exit', resolve));
        agent.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `firedrill server` as a user starts it; resolves once it listens, with its URL and what it printed. */
export async function serverProcess(cwd: string, ...args: string[]): Promise<{ child: ChildProcess; url: string; out: string }> {
  const child = spawn(process.execPath, [BIN, 'server', '--listen', '127.0.0.1:0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.resume();
  const deadline = Date.now() + 20_000;
  while (!/control plane: https?:/.test(out) || (/First start/.test(out) && !/keep it/.test(out))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, url: /control plane: (https?:\/\/[^ ]+)/.exec(out)?.[1] ?? '', out };
}

export async function startAgent(stateDir: string): Promise<ChildProcess> {
  const agent = spawn(process.execPath, [BIN, 'agent', '--listen', '127.0.0.1:0', '--state-dir', stateDir], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (!existsSync(join(stateDir, 'agent.json'))) {
    if (Date.now() > deadline || agent.exitCode !== null) throw new Error('the agent did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return agent;
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

/** A JSON request with a bearer token (or none). */
export async function call(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A stream may never end (the halt's): its first chunk says enough.
    const reader = response.body?.getReader();
    const first = await reader?.read();
    await reader?.cancel();
    return { status: response.status, body: { text: new TextDecoder().decode(first?.value) }, headers: response.headers };
  }
  const text = await response.text();
  return { status: response.status, body: parseBody(text), headers: response.headers };
}

/** JSON when it is; `{ text }` for an event stream, a report or anything else. */
function parseBody(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

/** An experiment of one step, `pause`: `process-pause` of `pid` for `duration`. */
export function pauseExperiment(pid: number, duration: string, title = `pause ${duration}`, tags: readonly string[] = []): string {
  const tagLine = tags.length > 0 ? `tags: [${tags.join(', ')}]\n` : '';
  return (
    `title: ${title}\n${tagLine}targets:\n  s: { kind: process, selector: { pid: ${pid} } }\n` +
    `method:\n  - { name: pause, fault: process-pause, target: s, duration: ${duration} }\n`
  );
}

/** A user holding `roles` and an API token of theirs, made through the store. */
export async function userWithToken(server: RunningServer, name: string, roles: Role[]): Promise<string> {
  const user = await server.store.users.create(name, roles);
  return (await server.store.users.issueToken(user.id, 'test')).token;
}
