import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyFaultType } from '../../src/engine/fault.js';
import { systemdService } from '../../src/techniques/systemd-service.js';
import { allowOnHost, AgentHarness } from '../agent-daemon/harness.js';
import { host, Lab } from '../faults/helpers.js';
import { stopAgent } from '../support/processes.js';

const lab = new Lab();
const agents: AgentHarness[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await lab.cleanup();
});

const SHOP_UNIT = '[Unit]\nDescription=The shop\n\n[Service]\nExecStart=/srv/shop/run\n\n[Install]\nWantedBy=multi-user.target\n';

/** A system root of the test's own, holding an unrelated enabled unit, as a host would; without the wants directory if asked. */
function systemRoot({ wants = true } = {}): { root: string; unitDir: string } {
  const root = lab.tempDir();
  const unitDir = join(root, 'etc', 'systemd', 'system');
  mkdirSync(unitDir, { recursive: true });
  writeFileSync(join(unitDir, 'shop.service'), SHOP_UNIT, { mode: 0o644 });
  if (wants) {
    mkdirSync(join(unitDir, 'multi-user.target.wants'));
    symlinkSync('/etc/systemd/system/shop.service', join(unitDir, 'multi-user.target.wants', 'shop.service'));
  }
  return { root, unitDir };
}

/** A directory tree as bytes: every entry's path, type, mode and content (a link's target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isSymbolicLink()) out[name] = `link ${readlinkSync(path)}`;
    else if (stat.isDirectory()) for (const [inner, value] of Object.entries(snapshot(path))) out[`${name}/${inner}`] = value;
    else out[name] = `${mode} ${readFileSync(path, 'base64')}`;
    if (stat.isDirectory()) out[`${name}/`] = mode;
  }
  return out;
}

const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));
const run = promisify(execFile);

const context = (root: string) => lab.context(systemdService as AnyFaultType, { root }, host);

describe('the systemd-service technique (T1543.002)', () => {
  it('writes a tagged, enabled unit running a sleeper, and leaves the unit directory byte for byte as before', async () => {
    const { root, unitDir } = systemRoot();
    const before = snapshot(unitDir);
    const ctx = context(root);
    const state = await systemdService.inject(ctx);
    const unit = join(unitDir, `firedrill-${ctx.tag}.service`);
    expect(state.unit).toBe(unit);
    expect(readFileSync(unit, 'utf8')).toMatch(
      new RegExp(`Description=Firedrill security drill ${ctx.tag}\n[^]*ExecStart=/bin/sleep 3600\n`),
    );
    expect(lstatSync(unit).mode & 0o7777).toBe(0o644);
    const link = join(unitDir, 'multi-user.target.wants', `firedrill-${ctx.tag}.service`);
    expect(readlinkSync(link)).toBe(`/etc/systemd/system/firedrill-${ctx.tag}.service`);
    // A temporary root is never this host's: written and enabled, not started, and the output says so.
    expect(state).toMatchObject({ started: false, output: expect.stringMatching(/not started \(/) });
    expect(snapshot(unitDir)['shop.service']).toBe(before['shop.service']);

    await systemdService.revert(ctx, state);
    expect(snapshot(unitDir)).toEqual(before);
    expect(await systemdService.verify(ctx, state)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/system is as before \(2 entries.*wants is as before \(1 entries/),
    });
  });

  it('makes the wants directory when there is none, and takes it away again', async () => {
    const { root, unitDir } = systemRoot({ wants: false });
    const before = snapshot(unitDir);
    const ctx = context(root);
    const state = await systemdService.inject(ctx);
    expect(readdirSync(join(unitDir, 'multi-user.target.wants'))).toEqual([`firedrill-${ctx.tag}.service`]);
    await systemdService.revert(ctx, state);
    expect(snapshot(unitDir)).toEqual(before);
    expect(await systemdService.verify(ctx, state)).toMatchObject({ ok: true, detail: expect.stringMatching(/did not exist before/) });
  });

  it('refuses a missing unit directory and an existing unit, before touching anything', async () => {
    const missing = lab.tempDir();
    await expect(systemdService.inject(context(missing))).rejects.toMatchObject({ code: 'FD_BAD_DIRECTORY' });
    expect(readdirSync(missing)).toEqual([]);

    const { root, unitDir } = systemRoot();
    const ctx = context(root);
    const state = await systemdService.inject(ctx);
    const during = snapshot(unitDir);
    await expect(systemdService.inject(ctx)).rejects.toMatchObject({ code: 'FD_EXISTS' });
    expect(snapshot(unitDir)).toEqual(during);
    await systemdService.revert(ctx, state);
  });

  it('reverts cleanly after the responders removed the unit first (containment), and verifies', async () => {
    const { root, unitDir } = systemRoot();
    const before = snapshot(unitDir);
    const ctx = context(root);
    const state = await systemdService.inject(ctx);
    expect(await systemdService.contained?.(ctx, state)).toMatchObject({ ok: false, detail: expect.stringMatching(/is still enabled$/) });
    rmSync(state.unit); // the responders found it; the link is left dangling, as `rm` leaves it
    expect(await systemdService.contained?.(ctx, state)).toMatchObject({ ok: true, detail: expect.stringMatching(/ is gone$/) });
    await systemdService.revert(ctx, state);
    expect(snapshot(unitDir)).toEqual(before);
    expect(await systemdService.verify(ctx, state)).toMatchObject({ ok: true });

    // Both gone, as `systemctl disable` and rm leave it: nothing left to do.
    const again = context(root);
    const second = await systemdService.inject(again);
    rmSync(join(unitDir, 'multi-user.target.wants', `firedrill-${again.tag}.service`)); // disabled first: contained already
    expect(await systemdService.contained?.(again, second)).toMatchObject({ ok: true, detail: expect.stringMatching(/ is disabled$/) });
    rmSync(second.unit);
    await systemdService.revert(again, second);
    expect(await systemdService.verify(again, second)).toMatchObject({ ok: true });
    expect(snapshot(unitDir)).toEqual(before);
  });

  it('leaves a unit that no longer holds its tag, and says so', async () => {
    const { root } = systemRoot();
    const ctx = context(root);
    const state = await systemdService.inject(ctx);
    writeFileSync(state.unit, '[Service]\nExecStart=/usr/local/bin/real\n');
    await expect(systemdService.revert(ctx, state)).rejects.toMatchObject({ code: 'FD_NOT_OURS' });
    expect(readFileSync(state.unit, 'utf8')).toBe('[Service]\nExecStart=/usr/local/bin/real\n');
    expect(await systemdService.verify(ctx, state)).toMatchObject({ ok: false });
  });

  it('reverts without its state (after a crash) and sweeps an orphan unit by its tag', async () => {
    const { root, unitDir } = systemRoot();
    const before = snapshot(unitDir);
    const crashed = context(root);
    await systemdService.inject(crashed);
    await systemdService.revert(crashed, undefined);
    expect(snapshot(unitDir)).toEqual(before);
    expect(await systemdService.verify(crashed, undefined)).toMatchObject({ ok: true });

    const orphan = context(root);
    const kept = context(root);
    await systemdService.inject(orphan);
    const keptState = await systemdService.inject(kept);
    const removed = await systemdService.sweep({ isOrphan: (tag) => tag === orphan.tag, seenParams: [{ root }] });
    expect(removed).toEqual([`systemd-service unit ${join(unitDir, `firedrill-${orphan.tag}.service`)}`]);
    expect(existsSync(keptState.unit)).toBe(true); // a live drill's unit is not an orphan
    await systemdService.revert(kept, keptState);
    expect(snapshot(unitDir)).toEqual(before);
  });

  it('runs through the agent only on a unit directory its host allows', async () => {
    const harness = new AgentHarness();
    agents.push(harness);
    const allowed = systemRoot();
    const elsewhere = systemRoot();
    allowOnHost(harness.stateDir, { directories: [allowed.unitDir] });
    const untouched = snapshot(elsewhere.unitDir);
    const refused = await harness.inject('r1', { faultId: 'f1', type: 'systemd-service', target: host, params: { root: elsewhere.root } });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    expect(snapshot(elsewhere.unitDir)).toEqual(untouched);

    // Its default root is this host's: /etc/systemd/system is refused too, untouched, unless the host allows it.
    const real = existsSync('/etc/systemd/system') ? snapshot('/etc/systemd/system') : {};
    const byDefault = await harness.inject('r3', { faultId: 'f1', type: 'systemd-service', target: host, params: {} });
    expect([byDefault.status, byDefault.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    expect(existsSync('/etc/systemd/system') ? snapshot('/etc/systemd/system') : {}).toEqual(real);

    const clean = snapshot(allowed.unitDir);
    const made = await harness.inject('r2', { faultId: 'f1', type: 'systemd-service', target: host, params: { root: allowed.root } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(readdirSync(allowed.unitDir).filter((name) => name.startsWith('firedrill-fd-'))).toHaveLength(1);
    const reverted = await harness.revert('r2', 'f1');
    expect(reverted.body.verification).toMatchObject({ ok: true });
    expect(snapshot(allowed.unitDir)).toEqual(clean);
  });

  it('is planted by `firedrill run` in the root its step names (the run allows that unit directory) and leaves it as before', async () => {
    const { root, unitDir } = systemRoot();
    const before = snapshot(unitDir);
    const dir = lab.tempDir();
    writeFileSync(
      join(dir, 'unit.yaml'),
      `title: systemd persistence
targets:
  here: { kind: host, selector: { name: local } }
method:
  - { name: plant, fault: systemd-service, target: here, params: { root: ${JSON.stringify(root)} }, duration: 1s }
`,
    );
    const planted = new Set<string>();
    const watch = setInterval(() => readdirSync(unitDir).forEach((name) => name.startsWith('firedrill-') && planted.add(name)), 20);
    try {
      const done = await run(process.execPath, [BIN, 'run', 'unit.yaml', '--json', '--state-dir', join(dir, 'state')], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect((JSON.parse(done.stdout) as { verdict: string }).verdict).toBe('passed');
    } finally {
      clearInterval(watch);
      await stopAgent(join(dir, 'state')); // the local agent the run started
    }
    expect([...planted]).toEqual([expect.stringMatching(/^firedrill-fd-\S+\.service$/)]);
    expect(snapshot(unitDir)).toEqual(before);
  }, 90_000);
});
