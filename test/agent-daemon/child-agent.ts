import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { AGENT_FILES } from '../../src/agent-protocol/api.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Inside the repository, so that the bundle finds better-sqlite3 in node_modules. */
const SCRIPT = join(ROOT, 'node_modules', '.cache', 'firedrill-tests', 'agent-main.cjs');

/** Bundles test/agent-daemon/fixtures/agent-main.ts into one CommonJS file, as the CLI bundle is built. */
export async function buildAgentScript(): Promise<string> {
  await build({
    entryPoints: [join(ROOT, 'test', 'agent-daemon', 'fixtures', 'agent-main.ts')],
    outfile: SCRIPT,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20.19',
    external: ['better-sqlite3'],
    define: { FIREDRILL_VERSION: '"0.0.0-test"' },
    logLevel: 'error',
  });
  return SCRIPT;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** `firedrill agent` in a process of its own, so that a test can kill -9 it. */
export class ChildAgent {
  private constructor(
    readonly child: ChildProcess,
    readonly exited: Promise<Exit>,
    readonly url: string,
    readonly token: string,
    private readonly output: { stderr: string },
  ) {}

  /** Its log so far (JSON lines). */
  get stderr(): string {
    return this.output.stderr;
  }

  /** Starts it and resolves once it says it listens (crash recovery is done by then). */
  static async start(stateDir: string, ...args: string[]): Promise<ChildAgent> {
    const child = spawn(process.execPath, [SCRIPT, '--state-dir', stateDir, '--listen', '127.0.0.1:0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited: Promise<Exit> = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    const output = { stderr: '' };
    child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (\S+) /.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      // Settles nothing once listening; never rejects itself.
      void exited.then((exit) => reject(new Error(`agent exited (${exit.code ?? exit.signal}) before listening:\n${output.stderr}`)));
    });
    const token = readFileSync(join(stateDir, AGENT_FILES.token), 'utf8').trim();
    return new ChildAgent(child, exited, url, token, output);
  }

  /** Runs the agent command to its end: for the ones that must refuse to start. */
  static async run(stateDir: string, ...args: string[]): Promise<Exit & { stderr: string }> {
    const child = spawn(process.execPath, [SCRIPT, '--state-dir', stateDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return { code, signal, stderr };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Kills it (SIGKILL unless told otherwise) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return await this.exited;
  }
}
