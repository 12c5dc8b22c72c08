import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyFaultType } from '../../src/engine/fault.js';
import { sshAuthorizedKey } from '../../src/techniques/ssh-authorized-key.js';
import { allowOnHost, AgentHarness } from '../agent-daemon/harness.js';
import { host, Lab } from '../faults/helpers.js';

const lab = new Lab();
const agents: AgentHarness[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await lab.cleanup();
});

const KEYS = [
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd7mGHQpYqUSwWS0sl2V6BYJvl1iS3bD9yUPjQe3Dj1 ops@laptop',
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 deploy@ci',
].join('\n'); // no newline at the end, as editors often leave it

describe('the ssh-authorized-key technique (T1098.004)', () => {
  it('appends one valid, tagged public key and leaves the file byte for byte as it was', async () => {
    const file = join(lab.tempDir(), 'authorized_keys');
    writeFileSync(file, KEYS, { mode: 0o600 });
    const ctx = lab.context(sshAuthorizedKey as AnyFaultType, { file }, host);
    const state = await sshAuthorizedKey.inject(ctx);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(new RegExp(`^ssh-ed25519 \\S+ firedrill-${ctx.tag}$`));
    // A real OpenSSH public key: ssh-keygen reads it.
    writeFileSync(join(lab.tempDir(), 'k.pub'), `${lines[2] ?? ''}\n`);
    const keyFile = join(lab.dirs.at(-1) ?? '', 'k.pub');
    expect(execFileSync('ssh-keygen', ['-l', '-f', keyFile]).toString()).toMatch(/^256 SHA256:\S+ firedrill-fd-\S+ \(ED25519\)/);
    await sshAuthorizedKey.revert(ctx, state);
    expect(readFileSync(file, 'utf8')).toBe(KEYS);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await sshAuthorizedKey.verify(ctx, state)).toMatchObject({ ok: true, detail: expect.stringMatching(/byte for byte as before/) });
  });

  it('creates a missing file and removes it again; refuses a symbolic link and a missing directory', async () => {
    const dir = lab.tempDir();
    const file = join(dir, 'authorized_keys');
    const ctx = lab.context(sshAuthorizedKey as AnyFaultType, { file }, host);
    const state = await sshAuthorizedKey.inject(ctx);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await sshAuthorizedKey.revert(ctx, state);
    expect(existsSync(file)).toBe(false);
    expect(await sshAuthorizedKey.verify(ctx, state)).toMatchObject({ ok: true });

    const target = join(dir, 'real_keys');
    writeFileSync(target, KEYS);
    symlinkSync(target, join(dir, 'linked'));
    await expect(
      sshAuthorizedKey.inject(lab.context(sshAuthorizedKey as AnyFaultType, { file: join(dir, 'linked') }, host)),
    ).rejects.toMatchObject({
      code: 'FD_BAD_FILE',
    });
    await expect(
      sshAuthorizedKey.inject(lab.context(sshAuthorizedKey as AnyFaultType, { file: join(dir, 'no', 'authorized_keys') }, host)),
    ).rejects.toMatchObject({ code: 'FD_BAD_DIRECTORY' });
    expect(readFileSync(target, 'utf8')).toBe(KEYS);
  });

  it('keeps the keys added meanwhile when it reverts without its state, and sweeps an orphan key', async () => {
    const file = join(lab.tempDir(), 'authorized_keys');
    writeFileSync(file, `${KEYS}\n`);
    const ctx = lab.context(sshAuthorizedKey as AnyFaultType, { file }, host);
    await sshAuthorizedKey.inject(ctx);
    writeFileSync(file, `${readFileSync(file, 'utf8')}ssh-ed25519 AAAAlater admin@added-meanwhile\n`);
    await sshAuthorizedKey.revert(ctx, undefined); // as after a crash: found by its tag
    expect(readFileSync(file, 'utf8')).toBe(`${KEYS}\nssh-ed25519 AAAAlater admin@added-meanwhile\n`);
    const orphan = lab.context(sshAuthorizedKey as AnyFaultType, { file }, host);
    await sshAuthorizedKey.inject(orphan);
    expect(await sshAuthorizedKey.sweep({ isOrphan: (tag) => tag === orphan.tag, seenParams: [{ file }] })).toEqual([
      `ssh-authorized-key firedrill-${orphan.tag} in ${file}`,
    ]);
    expect(readFileSync(file, 'utf8')).toBe(`${KEYS}\nssh-ed25519 AAAAlater admin@added-meanwhile\n`);
  });

  it('runs through the agent only on a file its host allows', async () => {
    const harness = new AgentHarness();
    agents.push(harness);
    const allowed = join(lab.tempDir(), 'authorized_keys');
    const other = join(lab.tempDir(), 'authorized_keys');
    writeFileSync(allowed, KEYS);
    writeFileSync(other, KEYS);
    allowOnHost(harness.stateDir, { directories: [allowed] });
    const refused = await harness.inject('r1', { faultId: 'f1', type: 'ssh-authorized-key', target: host, params: { file: other } });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    expect(readFileSync(other, 'utf8')).toBe(KEYS);
    const made = await harness.inject('r2', { faultId: 'f1', type: 'ssh-authorized-key', target: host, params: { file: allowed } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect((await harness.revert('r2', 'f1')).body.verification).toMatchObject({ ok: true });
    expect(readFileSync(allowed, 'utf8')).toBe(KEYS);
  });
});
