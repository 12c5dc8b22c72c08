import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/agent-daemon/ledger.js';
import { freePorts } from '../../src/demo/shop/ports.js';
import { connects } from '../../src/techniques/support/connect.js';
import { stopAgent } from '../support/processes.js';

const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));

/** Every file below `dir`, as bytes and mode. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      try {
        const stat = statSync(path);
        if (stat.isDirectory()) walk(path);
        else out[path.slice(dir.length)] = `${(stat.mode & 0o7777).toString(8)} ${readFileSync(path, 'base64')}`;
      } catch {
        out[path.slice(dir.length)] = 'changing'; // a file being written or renamed this instant (useradd's temporaries)
      }
    }
  };
  walk(dir);
  return out;
}

const answers = (port: number) => connects('127.0.0.1', port, 500);

/** The agent's worker, as agent.json names it (0 when there is none yet). */
function workerOf(agentJson: string): number {
  try {
    return (JSON.parse(readFileSync(agentJson, 'utf8')) as { pid?: number }).pid ?? 0;
  } catch {
    return 0;
  }
}

function killQuietly(pid: number): void {
  try {
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function waitForWorker(agentJson: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pid = workerOf(agentJson);
    try {
      if (pid > 0 && (process.kill(pid, 0), true)) return;
    } catch {
      // not alive yet
    }
    if (Date.now() > deadline) throw new Error('no agent worker came back');
    await sleep(50);
  }
}

// The safety promise for security techniques: `firedrill run` killed with SIGKILL at random
// moments while a web shell, an authorized key, an account and a backdoor are planted — within
// the lease TTL + 1 s every one is gone, byte for byte, and the ledger holds no open record.
describe('techniques when firedrill run, the agent, or both are killed with SIGKILL', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fd-technique-crash-'));
  afterAll(async () => {
    await stopAgent(join(cwd, '.firedrill'));
    rmSync(cwd, { recursive: true, force: true });
  });

  it('reverts them all within the lease, at 9 random moments', async () => {
    const scene = join(cwd, 'host');
    mkdirSync(join(scene, 'www'), { recursive: true });
    mkdirSync(join(scene, 'ssh'));
    mkdirSync(join(scene, 'root', 'etc'), { recursive: true });
    writeFileSync(join(scene, 'www', 'index.php'), '<?php echo "shop"; ?>\n');
    writeFileSync(join(scene, 'ssh', 'authorized_keys'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd7 ops@laptop\n', { mode: 0o600 });
    for (const file of ['passwd', 'shadow', 'group', 'gshadow', 'login.defs'])
      copyFileSync(join('/etc', file), join(scene, 'root', 'etc', file));
    writeFileSync(join(scene, 'root', 'etc', '.pwd.lock'), '', { mode: 0o600 }); // the shadow tools' lock, there on every system
    const [port = 0] = await freePorts(1);
    const file = join(cwd, 'intrusion.yaml');
    writeFileSync(
      file,
      `title: an intruder settles in
targets:
  here: { kind: host, selector: { name: local } }
method:
  - name: settle
    parallel:
      - { name: shell, fault: web-shell, target: here, params: { directory: ${scene}/www }, duration: 60s }
      - { name: key, fault: ssh-authorized-key, target: here, params: { file: ${scene}/ssh/authorized_keys }, duration: 60s }
      - { name: account, fault: local-account, target: here, params: { name: svc-crash, root: ${scene}/root }, duration: 60s }
      - { name: backdoor, fault: backdoor-listener, target: here, params: { port: ${port} }, duration: 60s }
`,
    );
    const before = tree(scene);
    const ttlMs = 1000;
    let plantedWhenKilled = 0;
    const agentJson = join(cwd, '.firedrill', 'agent.json');
    for (let i = 0; i < 9; i++) {
      // The run, the agent's worker (agent.json's pid: its supervisor starts another, whose recovery reverts), or both.
      const victim = (['run', 'agent', 'both'] as const)[i % 3];
      if (i > 0) await waitForWorker(agentJson); // a worker restarted by the last kill says so once it is ready
      const child = spawn(process.execPath, [BIN, 'run', file, '--lease-ttl', `${ttlMs}ms`, '-q'], { cwd, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await sleep(i === 0 ? 2500 : 100 + Math.random() * 1200); // the first run also starts the agent
      if (Object.keys(tree(scene)).length > Object.keys(before).length || (await answers(port))) plantedWhenKilled += 1;
      if (victim !== 'agent') child.kill('SIGKILL');
      if (victim !== 'run') killQuietly(workerOf(agentJson));
      // With its worker alone killed, the run lives on: its renewals fail, it gives up; the host must be clean meanwhile.
      if (victim !== 'agent') await exited;
      const deadline = Date.now() + ttlMs + 1000;
      while (Date.now() < deadline && (JSON.stringify(tree(scene)) !== JSON.stringify(before) || (await answers(port)))) await sleep(20);
      expect(tree(scene), `kill ${i + 1} (${victim})`).toEqual(before);
      expect(await answers(port), `kill ${i + 1} (${victim}): the backdoor still answers`).toBe(false);
      if (victim === 'agent') await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
      await exited;
    }
    expect(plantedWhenKilled).toBeGreaterThan(0); // the kills did hit planted techniques
    const ledger = new Ledger(join(cwd, '.firedrill', 'ledger.db'));
    try {
      const lastIntent = Math.max(0, ...ledger.open().map((r) => r.createdAt));
      while (ledger.open().length > 0 && Date.now() < lastIntent + ttlMs + 1000) await sleep(20);
      expect(ledger.open()).toEqual([]);
      expect(tree(scene)).toEqual(before);
    } finally {
      ledger.close();
    }
  }, 120_000);
});
