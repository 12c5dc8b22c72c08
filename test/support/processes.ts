import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const HTTP_SERVER = fileURLToPath(new URL('../fixtures/http-server.mjs', import.meta.url));

/** Children started by a test; `stopAll` in afterEach kills whatever is left (SIGCONT first). */
export class Processes {
  private readonly children: ChildProcess[] = [];

  /** A `sleep` with a distinctive duration so tests can select it by command line. */
  sleep(seconds: number): ChildProcess {
    return this.track(spawn('sleep', [String(seconds)], { stdio: 'ignore' }));
  }

  /** The fixture HTTP server on a free port of 127.0.0.1. */
  async httpServer(): Promise<{ child: ChildProcess; port: number; url: string }> {
    const child = this.track(spawn(process.execPath, [HTTP_SERVER, '0'], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    const port = Number(/listening (\d+)/.exec(chunk.toString())?.[1]);
    return { child, port, url: `http://127.0.0.1:${port}/` };
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    this.children.length = 0;
  }

  private track(child: ChildProcess): ChildProcess {
    this.children.push(child);
    return child;
  }
}

/**
 * Stops the agent a test's `firedrill run` started in this state directory (SIGTERM to its
 * supervisor: the worker reverts what it holds, both exit), so that no daemon outlives the test.
 */
export async function stopAgent(stateDir: string): Promise<void> {
  let info: { pid: number; supervisorPid?: number };
  try {
    info = JSON.parse(readFileSync(join(stateDir, 'agent.json'), 'utf8')) as { pid: number; supervisorPid?: number };
  } catch {
    return;
  }
  const pids = [info.supervisorPid ?? info.pid, info.pid];
  try {
    process.kill(pids[0] as number, 'SIGTERM');
  } catch {
    // gone already; the worker may still be stopping
  }
  for (let i = 0; i < 200 && pids.some(isAlive); i++) await sleep(25);
  for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
