import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connects } from '../../src/techniques/support/connect.js';

const run = promisify(execFile);

/**
 * A network namespace as a separate host: a veth pair from the root namespace, 10.x.y.1 on our
 * side and 10.x.y.2 inside (a /30 of its own per namespace). Never skipped: on CI a skipped
 * test is a failure, so a host that cannot make one fails loudly with `ip`'s own words.
 *
 *   root namespace                      namespace NAME
 *   veth fdv…a 10.x.y.1/30  ◀────────▶  veth fdv…b 10.x.y.2/30, lo
 */
export class NetNamespace {
  readonly name: string;
  readonly outside: string;
  readonly inside: string;
  readonly #veth: string;
  readonly #children: ChildProcess[] = [];

  private constructor(id: string, subnet: [number, number]) {
    this.name = `fd-test-${id}`;
    this.#veth = `fdv${id}`;
    this.outside = `10.${subnet[0]}.${subnet[1]}.1`;
    this.inside = `10.${subnet[0]}.${subnet[1]}.2`;
  }

  /** Makes the namespace and its link; on any failure removes what it made and throws why. */
  static async create(): Promise<NetNamespace> {
    const used = (await ip(['-4', '-o', 'addr', 'show'])).stdout;
    let subnet: [number, number];
    do subnet = [200 + Math.floor(Math.random() * 50), Math.floor(Math.random() * 64) * 4];
    while (used.includes(` 10.${subnet[0]}.${subnet[1]}.`));
    const ns = new NetNamespace(randomBytes(4).toString('hex').slice(0, 7), subnet);
    try {
      await ip(['netns', 'add', ns.name]);
      await ip(['link', 'add', `${ns.#veth}a`, 'type', 'veth', 'peer', 'name', `${ns.#veth}b`]);
      await ip(['link', 'set', `${ns.#veth}b`, 'netns', ns.name]);
      await ip(['addr', 'add', `${ns.outside}/30`, 'dev', `${ns.#veth}a`]);
      await ip(['link', 'set', `${ns.#veth}a`, 'up']);
      await ns.exec(['ip', 'addr', 'add', `${ns.inside}/30`, 'dev', `${ns.#veth}b`]);
      await ns.exec(['ip', 'link', 'set', `${ns.#veth}b`, 'up']);
      await ns.exec(['ip', 'link', 'set', 'lo', 'up']);
    } catch (error) {
      await ns.destroy();
      throw new Error(`cannot make a network namespace (root and iproute2 needed; CI must be able to): ${String(error)}`, { cause: error });
    }
    return ns;
  }

  /** Runs a command inside the namespace and waits for it. */
  async exec(command: readonly string[]): Promise<{ stdout: string; stderr: string }> {
    return ip(['netns', 'exec', this.name, ...command]);
  }

  /** Starts a long-running command inside the namespace (`ip netns exec` execs it: the pid is the command's); killed by destroy(). */
  start(command: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, ...command], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#children.push(child);
    return child;
  }

  /** Kills what it started, then removes the namespace (its veth end, and so the pair, with it); never throws. */
  async destroy(): Promise<void> {
    for (const child of this.#children.splice(0)) await stop(child);
    await ip(['netns', 'del', this.name]).catch(() => undefined);
    await ip(['link', 'del', `${this.#veth}a`]).catch(() => undefined); // gone with the namespace, unless that failed half-way
  }
}

/** An OpenSSH server of the test's own, inside a namespace: its own host key, config and log file. */
export class TestSshd {
  readonly dir: string;
  readonly log: string;
  readonly port = 22;
  readonly #madePrivsepDir: boolean;
  #child: ChildProcess | undefined;

  private constructor(
    readonly ns: NetNamespace,
    dir: string,
    madePrivsepDir: boolean,
  ) {
    this.dir = dir;
    this.log = join(dir, 'sshd.log');
    this.#madePrivsepDir = madePrivsepDir;
  }

  /**
   * Password logins allowed, no PAM, VERBOSE logging to a file; `authorizedKeys` (with %u) is
   * where it reads each user's keys. Waits until it answers on port 22 of the namespace.
   */
  static async start(ns: NetNamespace, authorizedKeys = '.ssh/authorized_keys'): Promise<TestSshd> {
    const dir = mkdtempSync(join(tmpdir(), 'firedrill-sshd-'));
    // Debian's sshd refuses to start without its privilege separation directory (systemd makes it when the service runs).
    const madePrivsepDir = !existsSync('/run/sshd');
    if (madePrivsepDir) mkdirSync('/run/sshd', { mode: 0o755 });
    const sshd = new TestSshd(ns, dir, madePrivsepDir);
    try {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'firedrill-test-host', '-f', join(dir, 'host_key')]);
      const config = join(dir, 'sshd_config');
      writeFileSync(
        config,
        [
          `ListenAddress ${ns.inside}`,
          'Port 22',
          `HostKey ${join(dir, 'host_key')}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          'PasswordAuthentication yes',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'LogLevel VERBOSE',
          `AuthorizedKeysFile ${authorizedKeys}`,
          'StrictModes no', // the keys live under /tmp, which others may write
          'MaxStartups 100',
          '',
        ].join('\n'),
      );
      const child = ns.start(['/usr/sbin/sshd', '-D', '-f', config, '-E', sshd.log]);
      sshd.#child = child;
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const deadline = Date.now() + 10_000;
      while (!(await connects(ns.inside, 22, 500))) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`sshd did not start in ${ns.name}: ${stderr}${existsSync(sshd.log) ? readFileSync(sshd.log, 'utf8') : ''}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } catch (error) {
      await sshd.stop();
      throw error;
    }
    return sshd;
  }

  logText(): string {
    return existsSync(this.log) ? readFileSync(this.log, 'utf8') : '';
  }

  /** Kills sshd, removes its files and the directory it made; never throws. */
  async stop(): Promise<void> {
    if (this.#child) await stop(this.#child);
    rmSync(this.dir, { recursive: true, force: true });
    if (this.#madePrivsepDir) {
      try {
        rmdirSync('/run/sshd');
      } catch {
        // another sshd uses it now
      }
    }
  }
}

async function ip(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('ip', args, { timeout: 10_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr || String(error)}`, { cause: error });
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
