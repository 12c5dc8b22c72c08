import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { freePorts } from '../../src/demo/shop/ports.js';
import { AgentHarness, allowOnHost } from '../agent-daemon/harness.js';
import { EngineHarness } from '../support/engine.js';
import { host, Lab } from '../faults/helpers.js';

const lab = new Lab();
const engines: EngineHarness[] = [];
const agents: AgentHarness[] = [];
afterEach(async () => {
  engines.splice(0).forEach((engine) => engine.dispose());
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await lab.cleanup();
});

/** A scratch system root with the account files of this host, for useradd --root. */
function scratchRoot(): string {
  const root = lab.tempDir();
  mkdirSync(join(root, 'etc'));
  for (const file of ['passwd', 'shadow', 'group', 'gshadow', 'login.defs']) copyFileSync(join('/etc', file), join(root, 'etc', file));
  writeFileSync(join(root, 'etc', '.pwd.lock'), '', { mode: 0o600 });
  return root;
}

/** Runs one technique for `duration`; `respond` is what the responders do once it is detonated. */
async function drill(
  fault: string,
  params: Record<string, unknown>,
  respond?: (event: Extract<RunEvent, { type: 'fault-injected' }>) => void,
) {
  const engine = new EngineHarness();
  engines.push(engine);
  const yaml = `title: contain it
targets:
  here: { kind: host, selector: { name: local } }
method:
  - { name: detonate, fault: ${fault}, target: here, params: ${JSON.stringify(params)}, duration: 4s }
`;
  const responders = {
    name: 'responders',
    onEvent: (event: RunEvent) => {
      if (event.type === 'fault-injected' && respond) setTimeout(() => respond(event), 300);
    },
  };
  return engine.run(yaml, { observers: [responders] });
}

describe('containment, measured where the technique runs', () => {
  it('a web shell the responders delete: contained once, the time recorded, the revert still verified', async () => {
    const www = lab.tempDir();
    writeFileSync(join(www, 'index.php'), '<?php echo "shop"; ?>\n');
    const { journal, log } = await drill('web-shell', { directory: www }, () => {
      for (const name of readdirSync(www)) if (name.startsWith('fd-shell-')) rmSync(join(www, name));
    });
    const contained = log.ofType('fault-contained');
    expect(contained).toHaveLength(1);
    expect(contained[0]).toMatchObject({ faultType: 'web-shell', detail: expect.stringMatching(/is gone$/) });
    const [fault] = journal.faults;
    expect(fault?.containment).toMatch(/is gone$/);
    expect(Date.parse(fault?.containedAt ?? '')).toBeGreaterThan(Date.parse(fault?.injectedAt ?? ''));
    expect(Date.parse(fault?.containedAt ?? '')).toBeLessThanOrEqual(Date.parse(fault?.revertedAt ?? '')); // the hold ends at once: same ms possible
    expect(fault?.verification?.ok).toBe(true);
    expect(readdirSync(www)).toEqual(['index.php']);
    // Holding a contained technique measures nothing more: its step ended then, not at its 4 s.
    expect(journal.activities.find((a) => a.activity.kind === 'fault')?.output).toMatchObject({ containedEarly: true });
  });

  it('nothing contained while nobody acts: no containment is declared for the team', async () => {
    const www = lab.tempDir();
    const { journal, log } = await drill('web-shell', { directory: www });
    expect(log.ofType('fault-contained')).toEqual([]);
    expect(journal.faults[0]?.containedAt).toBeUndefined();
    expect(journal.activities.find((a) => a.activity.kind === 'fault')?.output).not.toHaveProperty('containedEarly');
    expect(journal.faults[0]?.verification?.ok).toBe(true);
  });

  it('a rogue account the responders expire (it has no password to lock) is contained; userdel on revert leaves the files as before', async () => {
    const root = scratchRoot();
    const passwd = readFileSync(join(root, 'etc', 'passwd'));
    const { journal, log } = await drill('local-account', { name: 'svc-contain', root }, () =>
      execFileSync('usermod', ['--root', root, '--expiredate', '1', 'svc-contain']),
    );
    expect(log.ofType('fault-contained')[0]?.detail).toBe('the account svc-contain is expired');
    expect(journal.faults[0]?.verification?.ok).toBe(true);
    expect(readFileSync(join(root, 'etc', 'passwd'))).toEqual(passwd);
  });

  it('an authorized key the responders take out is contained', async () => {
    const ssh = lab.tempDir();
    const file = join(ssh, 'authorized_keys');
    writeFileSync(file, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd7 ops@laptop\n', { mode: 0o600 });
    const { log, journal } = await drill('ssh-authorized-key', { file }, () =>
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => !line.includes('firedrill-'))
          .join('\n'),
      ),
    );
    expect(log.ofType('fault-contained')[0]?.detail).toMatch(/^the key firedrill-fd-\S+ is gone from /);
    expect(journal.faults[0]?.verification?.ok).toBe(true);
  });
});

describe('the agent answers whether a fault is contained', () => {
  it('a backdoor listener: not contained while it answers, contained once the responders kill it; null for other kinds', async () => {
    const [port = 0] = await freePorts(1);
    const agent = new AgentHarness();
    agents.push(agent);
    allowOnHost(agent.stateDir, { ports: [port] });
    const injected = await agent.inject('r1', { type: 'backdoor-listener', target: host, params: { port } });
    expect(injected.status).toBe(201);
    const ask = async (faultId: string) =>
      (await agent.request<{ contained: { ok: boolean; detail: string } | null }>('GET', `/v1/runs/r1/faults/${faultId}/contained`)).body
        .contained;
    expect(await ask('f1')).toMatchObject({ ok: false, detail: expect.stringMatching(/still answers/) });
    const [pid] = (injected.body.output as { pids: number[] }).pids;
    process.kill(pid ?? 0, 'SIGKILL');
    await expect.poll(() => ask('f1'), { timeout: 5000 }).toMatchObject({ ok: true });
    expect(await ask('f9')).toBeNull();
    expect((await agent.revert('r1', 'f1')).body.verification.ok).toBe(true);
    expect(await ask('f1')).toBeNull(); // reverted: nothing left to contain
  });
});
