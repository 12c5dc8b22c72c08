import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyFaultType } from '../../src/engine/fault.js';
import { localAccount } from '../../src/techniques/local-account.js';
import { allowOnHost, AgentHarness } from '../agent-daemon/harness.js';
import { host, Lab } from '../faults/helpers.js';

const lab = new Lab();
const agents: AgentHarness[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await lab.cleanup();
});

const FILES = ['passwd', 'shadow', 'group', 'gshadow'];
/** With their backups: useradd and userdel rewrite them (after userdel, passwd- would hold the account). */
const ALL = [...FILES, ...FILES.map((f) => `${f}-`)];

/** A system root of the test's own: a copy of this host's account files, for useradd --root. */
function systemRoot(): string {
  const root = lab.tempDir();
  mkdirSync(join(root, 'etc'));
  for (const file of [...FILES, 'login.defs']) copyFileSync(join('/etc', file), join(root, 'etc', file));
  copyFileSync(join('/etc', 'passwd'), join(root, 'etc', 'passwd-')); // one backup there before, the others not
  return root;
}

const bytes = (root: string) =>
  Object.fromEntries(
    ALL.map((file) => [file, existsSync(join(root, 'etc', file)) ? readFileSync(join(root, 'etc', file), 'base64') : null]),
  );

describe('the local-account technique (T1136.001)', () => {
  it('creates a tagged account nobody can log in to, and leaves the account files byte for byte as before', async () => {
    const root = systemRoot();
    const before = bytes(root);
    const ctx = lab.context(localAccount as AnyFaultType, { name: 'svc-backup', root }, host);
    const state = await localAccount.inject(ctx);
    const line = readFileSync(join(root, 'etc', 'passwd'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('svc-backup:'));
    expect(line).toMatch(new RegExp(`^svc-backup:x:\\d+:\\d+:firedrill ${ctx.tag}:/home/svc-backup:/usr/sbin/nologin$`));
    expect(readFileSync(join(root, 'etc', 'shadow'), 'utf8')).toMatch(/^svc-backup:!:/m); // locked: no password
    await localAccount.revert(ctx, state);
    expect(bytes(root)).toEqual(before);
    expect(await localAccount.verify(ctx, state)).toMatchObject({ ok: true, detail: expect.stringMatching(/byte for byte as before/) });
  });

  it('never touches an account that exists; an account the responders deleted is fine; an orphan is swept', async () => {
    const root = systemRoot();
    await expect(localAccount.inject(lab.context(localAccount as AnyFaultType, { name: 'root', root }, host))).rejects.toMatchObject({
      code: 'FD_USER_EXISTS',
    });
    const before = bytes(root);
    const orphan = lab.context(localAccount as AnyFaultType, { name: 'svc-sync', root }, host);
    await localAccount.inject(orphan);
    const swept = await localAccount.sweep({ isOrphan: (tag) => tag === orphan.tag, seenParams: [{ root }], workDir: orphan.workDir });
    expect(swept).toEqual([`local-account svc-sync (${orphan.tag}) in ${root}`]);
    expect(bytes(root)).toEqual(before);
    await localAccount.revert(orphan, undefined); // gone already: nothing to do
    expect(await localAccount.verify(orphan, undefined)).toMatchObject({ ok: true });
  });

  it('runs through the agent only for an account name and a root its host allows', async () => {
    const harness = new AgentHarness();
    agents.push(harness);
    const root = systemRoot();
    const before = bytes(root);
    allowOnHost(harness.stateDir, { users: ['svc-backup'], directories: [root] });
    const unnamed = await harness.inject('r1', { faultId: 'f1', type: 'local-account', target: host, params: { name: 'svc-other', root } });
    expect([unnamed.status, unnamed.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    const elsewhere = await harness.inject('r2', {
      faultId: 'f1',
      type: 'local-account',
      target: host,
      params: { name: 'svc-backup', root: systemRoot() },
    });
    expect([elsewhere.status, elsewhere.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    expect(bytes(root)).toEqual(before);
    const made = await harness.inject('r3', { faultId: 'f1', type: 'local-account', target: host, params: { name: 'svc-backup', root } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect((await harness.revert('r3', 'f1')).body.verification).toMatchObject({ ok: true });
    expect(bytes(root)).toEqual(before);
  });
});
