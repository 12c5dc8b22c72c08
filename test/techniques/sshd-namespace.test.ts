import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyFaultType } from '../../src/engine/fault.js';
import { bruteForce } from '../../src/techniques/brute-force.js';
import { sshAuthorizedKey } from '../../src/techniques/ssh-authorized-key.js';
import { allowOnHost, AgentHarness } from '../agent-daemon/harness.js';
import { host, Lab } from '../faults/helpers.js';
import { NetNamespace, TestSshd } from '../support/netns.js';

const run = promisify(execFile);
const lab = new Lab();
const agents: AgentHarness[] = [];
const servers: TestSshd[] = [];
const namespaces: NetNamespace[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  for (const sshd of servers.splice(0)) await sshd.stop();
  for (const ns of namespaces.splice(0)) await ns.destroy();
  await lab.cleanup();
});

/** A namespace with Debian's sshd in it, both removed after the test whatever happens. */
async function sshdInNamespace(authorizedKeys?: string): Promise<TestSshd> {
  const ns = await NetNamespace.create();
  namespaces.push(ns);
  const sshd = await TestSshd.start(ns, authorizedKeys);
  servers.push(sshd);
  return sshd;
}

/** The sshd log's lines matching `pattern`, once at least `count` are there (sshd writes them as logins end). */
async function logLines(sshd: TestSshd, pattern: RegExp, count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = sshd
      .logText()
      .split('\n')
      .filter((line) => pattern.test(line));
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Offers the public key alone (no private key exists): sshd answers whether it would accept it, then the client gives up. */
async function offerKey(sshd: TestSshd, user: string, publicKey: string): Promise<string> {
  const file = join(lab.tempDir(), 'offered.pub');
  writeFileSync(file, publicKey);
  const args = ['-F', '/dev/null', '-v', '-n', '-T', '-i', file, '-o', 'IdentitiesOnly=yes', '-o', 'PreferredAuthentications=publickey'];
  args.push(
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-l',
    user,
    sshd.ns.inside,
    'true',
  );
  const result = await run('ssh', args, { timeout: 15_000 }).catch((error: { stderr?: string; code?: number }) => error);
  expect('code' in result && result.code).toBe(255); // never logged in: there is no private key
  return result.stderr ?? '';
}

describe('SSH techniques against a real sshd in a network namespace', () => {
  it('brute-force sends a bounded burst of failed password logins that sshd logs with the drill’s source address', async () => {
    const sshd = await sshdInNamespace();
    const params = { url: `ssh://${sshd.ns.inside}:22`, username: 'fd-drill-user', attempts: 6, perSecond: 20 };
    expect(() => bruteForce.params.parse({ ...params, attempts: 201 })).toThrow();
    expect(() => bruteForce.params.parse({ ...params, perSecond: 51 })).toThrow();
    const ctx = lab.context(bruteForce as AnyFaultType, params, host);
    const state = await bruteForce.inject(ctx);
    expect(state).toMatchObject({ attempts: 6, statuses: { denied: 6 }, stopped: 'count' });
    const from = new RegExp(`Failed password for invalid user fd-drill-user from ${sshd.ns.outside.replaceAll('.', '\\.')} port \\d+ ssh2`);
    expect(await logLines(sshd, from, 6)).toHaveLength(6);
    expect(await logLines(sshd, /Invalid user fd-drill-user from /, 6)).toHaveLength(6);
    expect(sshd.logText()).not.toMatch(/Accepted/);
    expect(readdirSync(ctx.workDir)).toEqual([`fd-askpass-${ctx.tag}`]); // the askpass program, tagged, until revert

    await bruteForce.revert(ctx, state);
    expect(readdirSync(ctx.workDir)).toEqual([]);
    expect(await bruteForce.verify(ctx, state)).toMatchObject({ ok: true, detail: expect.stringMatching(/6 failed logins sent/) });
    // sshd logs a failure before it answers the client: every login of the burst has ended, none more is coming.
    expect(sshd.logText().match(/Failed password/g)).toHaveLength(6);
  });

  it("brute-force is contained once the host blocks the attacker's address (iptables in the host's namespace), not before", async () => {
    const sshd = await sshdInNamespace();
    const ctx = lab.context(
      bruteForce as AnyFaultType,
      { url: `ssh://${sshd.ns.inside}:22`, username: 'fd-drill-user', attempts: 2 },
      host,
    );
    const state = await bruteForce.inject(ctx);
    expect(await bruteForce.contained?.(ctx, state)).toMatchObject({ ok: false, detail: expect.stringMatching(/still reaches the login/) });
    // The responders' block: the attacker's address dropped by the host it attacked (gone with the namespace).
    await sshd.ns.exec(['iptables', '-I', 'INPUT', '-s', sshd.ns.outside, '-p', 'tcp', '--dport', '22', '-j', 'REJECT']);
    expect(await bruteForce.contained?.(ctx, state)).toMatchObject({
      ok: true,
      detail: `this host can no longer reach the login at ${sshd.ns.inside}:22`,
    });
    await bruteForce.revert(ctx, state);
    expect(await bruteForce.verify(ctx, state)).toMatchObject({ ok: true });
  });

  it('brute-force stops when the run aborts, with no more logins than it reports', async () => {
    const sshd = await sshdInNamespace();
    const abort = new AbortController();
    const ctx = lab.context(
      bruteForce as AnyFaultType,
      { url: `ssh://${sshd.ns.inside}`, username: 'fd-drill-user', attempts: 200, perSecond: 5 },
      host,
      abort.signal,
    );
    const injected = bruteForce.inject(ctx);
    await logLines(sshd, /Failed password/, 2);
    abort.abort();
    const state = await injected;
    expect(state.stopped).toBe('aborted');
    expect(state.attempts).toBeLessThan(200);
    // The login under way when the run aborted is cut short: sshd may or may not have logged it, but it is counted.
    const logged = (await logLines(sshd, /Failed password/, state.statuses.denied ?? 0)).length;
    expect(logged).toBeGreaterThanOrEqual(state.statuses.denied ?? 0);
    expect(logged).toBeLessThanOrEqual(state.attempts);
    await bruteForce.revert(ctx, state);
    expect(await bruteForce.verify(ctx, state)).toMatchObject({ ok: true });
  });

  it('brute-force over ssh runs through the agent only against a host it allows, and an unreachable server is refused', async () => {
    const sshd = await sshdInNamespace();
    const harness = new AgentHarness();
    agents.push(harness);
    allowOnHost(harness.stateDir, { hosts: [`${sshd.ns.inside}`] });
    const url = `ssh://${sshd.ns.outside}:22`; // our own side of the link: not allowed
    const refused = await harness.inject('r1', { faultId: 'f1', type: 'brute-force', target: host, params: { url, username: 'x' } });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    const params = { url: `ssh://${sshd.ns.inside}:22`, username: 'fd-agent-user', attempts: 3, perSecond: 20 };
    const made = await harness.inject('r2', { faultId: 'f1', type: 'brute-force', target: host, params });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(await logLines(sshd, /Failed password for invalid user fd-agent-user from /, 3)).toHaveLength(3);
    expect((await harness.revert('r2', 'f1')).body.verification).toMatchObject({ ok: true });

    const closed = lab.context(bruteForce as AnyFaultType, { url: `ssh://${sshd.ns.inside}:2222`, username: 'x', attempts: 2 }, host);
    await expect(bruteForce.inject(closed)).rejects.toMatchObject({ code: 'FD_LOGIN_UNREACHABLE' });
    expect(readdirSync(closed.workDir)).toEqual([]);
  });

  it('ssh-authorized-key plants a key sshd would accept for the account, and leaves the file byte for byte as before', async () => {
    // The account's own key directory, as its home would hold it: sshd reads the file as that user.
    const keys = lab.tempDir();
    chmodSync(keys, 0o755);
    mkdirSync(join(keys, 'nobody'), { mode: 0o700 });
    const file = join(keys, 'nobody', 'authorized_keys');
    const sshd = await sshdInNamespace(`${keys}/%u/authorized_keys`);
    // sshd reads that file for the account: what the drill names is what sshd consults.
    const effective = await sshd.ns.exec([
      '/usr/sbin/sshd',
      '-T',
      '-f',
      join(sshd.dir, 'sshd_config'),
      '-C',
      'user=nobody,host=x,addr=10.0.0.1',
    ]);
    expect(effective.stdout).toContain(`authorizedkeysfile ${keys}/%u/authorized_keys`);

    const existing = join(lab.tempDir(), 'ops');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops@laptop', '-f', existing]);
    const opsKey = readFileSync(`${existing}.pub`, 'utf8');
    writeFileSync(file, `# keys of nobody\n${opsKey}`, { mode: 0o600 });
    const [uid, gid] = (readFileSync('/etc/passwd', 'utf8').match(/^nobody:[^:]*:(\d+):(\d+):/m) ?? []).slice(1).map(Number) as [
      number,
      number,
    ];
    chownSync(join(keys, 'nobody'), uid, gid);
    chownSync(file, uid, gid);
    const before = readFileSync(file);
    expect(await offerKey(sshd, 'nobody', opsKey)).toMatch(/Server accepts key/); // the probe itself works

    const ctx = lab.context(sshAuthorizedKey as AnyFaultType, { file }, host);
    const state = await sshAuthorizedKey.inject(ctx);
    const planted =
      readFileSync(file, 'utf8')
        .split('\n')
        .find((line) => line.includes(ctx.tag)) ?? '';
    expect(planted).toMatch(new RegExp(`^ssh-ed25519 \\S+ firedrill-${ctx.tag}$`));
    const fingerprints = (await run('ssh-keygen', ['-l', '-f', file])).stdout;
    expect(fingerprints).toMatch(new RegExp(`^256 SHA256:\\S+ firedrill-${ctx.tag} \\(ED25519\\)$`, 'm'));
    expect(fingerprints).toMatch(/ops@laptop/);
    expect(await offerKey(sshd, 'nobody', `${planted}\n`)).toMatch(/Server accepts key: \S+ ED25519 SHA256:\S+ explicit/);
    expect(
      await logLines(sshd, new RegExp(`Postponed publickey for nobody from ${sshd.ns.outside.replaceAll('.', '\\.')}`), 2),
    ).toHaveLength(2);

    await sshAuthorizedKey.revert(ctx, state);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect([statSync(file).uid, statSync(file).mode & 0o777]).toEqual([uid, 0o600]); // in place: owner and mode kept
    expect(await sshAuthorizedKey.verify(ctx, state)).toMatchObject({ ok: true });
    expect(await offerKey(sshd, 'nobody', `${planted}\n`)).not.toMatch(/Server accepts key/);
    expect(existsSync(file)).toBe(true);
  });
});
