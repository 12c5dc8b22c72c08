import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyFaultType } from '../../src/engine/fault.js';
import { faultTypes } from '../../src/faults/index.js';
import { canaryCredentials } from '../../src/techniques/canary-credentials.js';
import { cronPersistence } from '../../src/techniques/cron-persistence.js';
import { isTechnique, tacticsOf } from '../../src/techniques/technique.js';
import { webShell } from '../../src/techniques/web-shell.js';
import { allowOnHost, AgentHarness } from '../agent-daemon/harness.js';
import { host, Lab } from '../faults/helpers.js';

const lab = new Lab();
const agents: AgentHarness[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await lab.cleanup();
});

/** A directory as bytes: every entry's name, mode and content. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => [
      name,
      `${(statSync(join(dir, name)).mode & 0o7777).toString(8)} ${readFileSync(join(dir, name), 'base64')}`,
    ]),
  );
}

/** A directory holding what such a directory holds before the drill. */
function populated(): string {
  const dir = lab.tempDir();
  writeFileSync(join(dir, 'e2scrub_all'), '30 3 * * 0 root test -e /run/systemd/system || /sbin/e2scrub_all\n');
  writeFileSync(join(dir, 'index.php'), '<?php echo "shop"; ?>\n');
  chmodSync(join(dir, 'index.php'), 0o640);
  return dir;
}

const TECHNIQUES = [
  [cronPersistence, 0o644, /^firedrill-fd-t\w+-f1$/],
  [webShell, 0o644, /^fd-shell-fd-t\w+-f1\.php$/],
  [canaryCredentials, 0o600, /^\.fd-credentials-fd-t\w+-f1$/],
] as const;

describe.each(TECHNIQUES)('the %s technique', (technique, mode, named) => {
  it('drops one tagged file, then leaves the directory exactly as before, byte for byte', async () => {
    const dir = populated();
    const before = snapshot(dir);
    const ctx = lab.context(technique as AnyFaultType, { directory: dir }, host);
    const state = await technique.inject(ctx);
    const dropped = readdirSync(dir).filter((name) => !(name in before));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatch(named);
    expect(statSync(state.path).mode & 0o7777).toBe(mode);
    expect(readFileSync(state.path, 'utf8')).toContain(ctx.tag);
    await technique.revert(ctx, state);
    expect(snapshot(dir)).toEqual(before);
    expect(await technique.verify(ctx, state)).toMatchObject({ ok: true, detail: expect.stringMatching(/is as before \(2 entries/) });
  });

  it('refuses a directory that does not exist and never overwrites a file; a file the responders removed is fine', async () => {
    const missing = join(lab.tempDir(), 'no-such-dir');
    await expect(technique.inject(lab.context(technique as AnyFaultType, { directory: missing }, host))).rejects.toMatchObject({
      code: 'FD_BAD_DIRECTORY',
    });
    expect(existsSync(missing)).toBe(false);
    const dir = populated();
    const ctx = lab.context(technique as AnyFaultType, { directory: dir }, host);
    const state = await technique.inject(ctx);
    await expect(technique.inject(ctx)).rejects.toMatchObject({ code: 'FD_EXISTS' });
    rmSync(state.path); // contained by the responders
    await technique.revert(ctx, state);
    expect(await technique.verify(ctx, state)).toMatchObject({ ok: true });
  });

  it('leaves a file that no longer holds its tag, and says so', async () => {
    const dir = populated();
    const ctx = lab.context(technique as AnyFaultType, { directory: dir }, host);
    const state = await technique.inject(ctx);
    writeFileSync(state.path, 'someone else wrote this\n');
    await expect(technique.revert(ctx, state)).rejects.toMatchObject({ code: 'FD_NOT_OURS' });
    expect(readFileSync(state.path, 'utf8')).toBe('someone else wrote this\n');
    expect(await technique.verify(ctx, state)).toMatchObject({ ok: false });
  });
});

describe('security techniques', () => {
  it('are fault kinds with their ATT&CK id, and tactics from the data file', () => {
    const found = [...faultTypes.values()].filter(isTechnique).map((t) => [t.name, t.attack.id, tacticsOf(t.attack.id)]);
    expect(found).toEqual([
      ['cron-persistence', 'T1053.003', ['Execution', 'Persistence', 'Privilege Escalation']],
      ['web-shell', 'T1505.003', ['Persistence']],
      ['canary-credentials', 'T1552.001', ['Credential Access']],
      ['backdoor-listener', 'T1571', ['Command and Control']],
      ['ssh-authorized-key', 'T1098.004', ['Persistence', 'Privilege Escalation']],
      ['local-account', 'T1136.001', ['Persistence']],
      ['service-scan', 'T1046', ['Discovery']],
      ['http-exfiltration', 'T1048.003', ['Exfiltration']],
      ['brute-force', 'T1110.001', ['Credential Access']],
      ['systemd-service', 'T1543.002', ['Persistence', 'Privilege Escalation']],
    ]);
  });

  it('each verify apart when several drills drop files in one directory and are reverted in any order (as a halt does)', async () => {
    const dir = populated();
    const before = snapshot(dir);
    const first = lab.context(webShell as AnyFaultType, { directory: dir }, host);
    const firstState = await webShell.inject(first);
    const second = lab.context(canaryCredentials as AnyFaultType, { directory: dir }, host);
    const secondState = await canaryCredentials.inject(second); // its "before" holds the first drill's file
    await webShell.revert(first, firstState);
    expect(await webShell.verify(first, firstState)).toMatchObject({ ok: true });
    await canaryCredentials.revert(second, secondState);
    expect(await canaryCredentials.verify(second, secondState)).toMatchObject({ ok: true });
    expect(snapshot(dir)).toEqual(before);
  });

  it('run through the agent only in directories its host allows; an orphan is swept after a crash', async () => {
    const harness = new AgentHarness();
    agents.push(harness);
    const allowed = populated();
    const elsewhere = populated();
    allowOnHost(harness.stateDir, { directories: [allowed] });
    const before = snapshot(elsewhere);
    const refused = await harness.inject('r1', { faultId: 'f1', type: 'cron-persistence', target: host, params: { directory: elsewhere } });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    expect(snapshot(elsewhere)).toEqual(before);

    // Its default directory is the real /etc/cron.d: refused there too, untouched, unless the host allows it.
    const cronD = existsSync('/etc/cron.d') ? readdirSync('/etc/cron.d') : [];
    const byDefault = await harness.inject('r3', { faultId: 'f1', type: 'cron-persistence', target: host, params: {} });
    expect([byDefault.status, byDefault.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    expect(existsSync('/etc/cron.d') ? readdirSync('/etc/cron.d') : []).toEqual(cronD);

    const clean = snapshot(allowed);
    const made = await harness.inject('r2', { faultId: 'f1', type: 'web-shell', target: host, params: { directory: allowed } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(readdirSync(allowed).some((name) => name.startsWith('fd-shell-'))).toBe(true);
    const reverted = await harness.revert('r2', 'f1');
    expect(reverted.body.verification).toMatchObject({ ok: true });
    expect(snapshot(allowed)).toEqual(clean);

    // A drop whose record is gone from the ledger (as after a crash and a lost record): the sweep finds it by its tag.
    const ctx = lab.context(webShell as AnyFaultType, { directory: allowed }, host);
    await webShell.inject(ctx);
    const removed = await webShell.sweep({ isOrphan: (tag) => tag === ctx.tag, seenParams: [{ directory: allowed }] });
    expect(removed).toEqual([expect.stringMatching(/^web-shell file .*fd-shell-/)]);
    expect(snapshot(allowed)).toEqual(clean);
  });
});
