// Debian's sshd in a network namespace of the bench's own, for brute-force's SSH mode: a veth
// pair from the root namespace (10.x.y.1 ours, 10.x.y.2 the namespace's), its own host key and
// config in the bench's temp dir, password logins allowed, no PAM. stop() kills it and removes
// the namespace (the veth pair goes with it) whatever happened.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connects } from './scene.mjs';

const ip = (args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).toString();

/** Undefined (and why) when this host has no sshd or cannot make a namespace. */
export async function startSshd(dir) {
  if (!existsSync('/usr/sbin/sshd')) return { skipped: 'no /usr/sbin/sshd (apt-get install openssh-server)' };
  const id = Math.random().toString(16).slice(2, 9);
  const ns = `fd-bench-${id}`;
  const veth = `fdb${id}`;
  const used = ip(['-4', '-o', 'addr', 'show']);
  let subnet;
  do subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 64) * 4}`;
  while (used.includes(` ${subnet}.`));
  const madePrivsepDir = !existsSync('/run/sshd');
  let child;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    for (const args of [
      ['netns', 'del', ns],
      ['link', 'del', `${veth}a`],
    ]) {
      try {
        ip(args);
      } catch {
        // gone already
      }
    }
    if (madePrivsepDir) {
      try {
        rmdirSync('/run/sshd');
      } catch {
        // another sshd uses it now
      }
    }
  };
  try {
    ip(['netns', 'add', ns]);
    ip(['link', 'add', `${veth}a`, 'type', 'veth', 'peer', 'name', `${veth}b`]);
    ip(['link', 'set', `${veth}b`, 'netns', ns]);
    ip(['addr', 'add', `${subnet}.1/30`, 'dev', `${veth}a`]);
    ip(['link', 'set', `${veth}a`, 'up']);
    ip(['netns', 'exec', ns, 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', `${veth}b`]);
    ip(['netns', 'exec', ns, 'ip', 'link', 'set', `${veth}b`, 'up']);
    if (madePrivsepDir) mkdirSync('/run/sshd', { mode: 0o755 });
    const key = join(dir, 'sshd_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const config = join(dir, 'sshd_config');
    const lines = [`ListenAddress ${subnet}.2`, `HostKey ${key}`, `PidFile ${join(dir, 'sshd.pid')}`, 'PasswordAuthentication yes'];
    writeFileSync(config, [...lines, 'UsePAM no', 'LogLevel VERBOSE', 'MaxStartups 100', ''].join('\n'));
    child = spawn('ip', ['netns', 'exec', ns, '/usr/sbin/sshd', '-D', '-f', config, '-E', join(dir, 'sshd.log')], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await connectsTo(`${subnet}.2`))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start in ${ns}: see ${join(dir, 'sshd.log')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { address: `${subnet}.2`, log: join(dir, 'sshd.log'), stop };
}

const connectsTo = (host) => connects(22, host);
