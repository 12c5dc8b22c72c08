import { connects } from '../../techniques/support/connect.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawnService, logTail } from '../shop/processes.js';
import { LOGIN_SCRIPT } from './login-endpoint.js';
import type { HostNamespace } from './namespace.js';
import { run } from './namespace.js';

/** Ports inside the namespace (its own network: fixed ports cannot clash with this machine's). */
export const HOST_PORTS = { ssh: 2222, login: 8080, agent: 7420, listener: 4444 } as const;
/** Where the attacker's sink listens, on this side of the veth. */
export const SINK_PORT = 8099;
/** The demo account whose authorized_keys the villains add a key to. */
export const ACCOUNT = 'deploy';

export interface DemoHost {
  readonly sshLog: string;
  readonly loginLog: string;
  readonly loginUrl: string;
  readonly authorizedKeys: string;
  /** The host agent's URL and token file, as the inventory names them. */
  readonly agentUrl: string;
  readonly agentTokenFile: string;
  readonly agentLog: string;
  readonly pids: () => number[];
  /** /run/sshd did not exist and the demo made it: removed at the end. */
  readonly madeRunSshd: boolean;
}

/**
 * Starts the host's services inside the namespace, each through `ip netns exec` and detached:
 * Debian's sshd (a host key made for it, LogLevel VERBOSE, its log in a file), the login
 * endpoint, and a firedrill agent (plain HTTP on the veth address: the link is the demo's own)
 * whose allow.json names exactly what the scenario touches there: the account's .ssh directory,
 * the listener's port and the attacker's sink.
 */
export async function startHost(ns: HostNamespace, dir: string, bin: string, say: (line: string) => void): Promise<DemoHost> {
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const children: ChildProcess[] = [];
  const sshDir = join(dir, 'ssh');
  mkdirSync(sshDir, { mode: 0o700 });
  const hostKey = join(sshDir, 'ssh_host_ed25519_key');
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'firedrill-demo-host', '-f', hostKey]);
  const home = join(dir, 'home', ACCOUNT);
  const authorizedKeys = join(home, '.ssh', 'authorized_keys');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  // The account's one approved key (its private half is not kept: nobody logs in with it).
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `${ACCOUNT}@ci-approved`, '-f', join(sshDir, 'approved')]);
  writeFileSync(authorizedKeys, readFileSync(join(sshDir, 'approved.pub')), { mode: 0o600 });
  const config = join(sshDir, 'sshd_config');
  writeFileSync(config, sshdConfig(ns.host, hostKey, sshDir, join(dir, 'home')), { mode: 0o600 });
  const madeRunSshd = ensurePrivilegeSeparationDir();
  await run(['/usr/sbin/sshd', '-t', '-f', config]);
  const sshLog = join(logs, 'sshd.log');
  children.push(spawnService(ns.inside(['/usr/sbin/sshd', '-D', '-e', '-f', config]), dir, sshLog));

  const loginLog = join(logs, 'login.log');
  const loginArgs = [ns.host, String(HOST_PORTS.login), loginLog, String(process.pid)];
  children.push(spawnService(ns.inside([process.execPath, '-e', LOGIN_SCRIPT, '--', ...loginArgs]), dir, join(logs, 'login.out')));

  const agentState = join(dir, 'host-agent');
  mkdirSync(agentState, { mode: 0o700 });
  const allow = { version: 1, directories: [join(home, '.ssh')], ports: [HOST_PORTS.listener], hosts: [ns.attacker] };
  writeFileSync(join(agentState, 'allow.json'), `${JSON.stringify(allow, null, 2)}\n`, { mode: 0o600 });
  chmodSync(join(agentState, 'allow.json'), 0o600);
  const agentLog = join(logs, 'host-agent.log');
  const agentArgs = ['agent', '--listen', `${ns.host}:${HOST_PORTS.agent}`, '--insecure', '--state-dir', agentState, '--idle-exit', '10m'];
  children.push(spawnService(ns.inside([process.execPath, bin, ...agentArgs]), dir, agentLog));

  const ready: [string, number, string][] = [
    ['sshd', HOST_PORTS.ssh, sshLog],
    ['login endpoint', HOST_PORTS.login, join(logs, 'login.out')],
    ['host agent', HOST_PORTS.agent, agentLog],
  ];
  for (const [what, port, log] of ready)
    if (!(await reachable(ns.host, port, 20_000)))
      throw new Error(`the host's ${what} did not start on ${ns.host}:${port}:\n${logTail(log)}`);
  const agentTokenFile = join(agentState, 'agent.token');
  // The supervisor listens first; its worker writes the token once it recovered its ledger.
  for (let i = 0; i < 200 && !existsSync(agentTokenFile); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!existsSync(agentTokenFile)) throw new Error(`the host agent wrote no token (${agentTokenFile}):\n${logTail(agentLog)}`);
  say(
    `  the host ${ns.name} (${ns.host}): sshd :${HOST_PORTS.ssh}, login endpoint :${HOST_PORTS.login}, firedrill agent :${HOST_PORTS.agent}`,
  );
  return {
    sshLog,
    loginLog,
    loginUrl: `http://${ns.host}:${HOST_PORTS.login}/login`,
    authorizedKeys,
    agentUrl: `http://${ns.host}:${HOST_PORTS.agent}`,
    agentTokenFile,
    agentLog,
    pids: () => children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
    madeRunSshd,
  };
}

function sshdConfig(address: string, hostKey: string, sshDir: string, homes: string): string {
  return [
    `# firedrill demo --intrusion: the host's sshd (its namespace only)`,
    `Port ${HOST_PORTS.ssh}`,
    `ListenAddress ${address}`,
    `HostKey ${hostKey}`,
    `PidFile ${join(sshDir, 'sshd.pid')}`,
    'LogLevel VERBOSE',
    'UsePAM no',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    'StrictModes no',
    `AuthorizedKeysFile ${homes}/%u/.ssh/authorized_keys`,
    `AllowUsers ${ACCOUNT}`,
    '',
  ].join('\n');
}

/** sshd refuses to start without /run/sshd (Debian's package makes it at boot). */
function ensurePrivilegeSeparationDir(): boolean {
  if (existsSync('/run/sshd')) return false;
  mkdirSync('/run/sshd', { mode: 0o755 });
  return true;
}

/** Whether a TCP connection to host:port opens within `timeoutMs`, tried every 100 ms. */
export async function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await connects(host, port, 1000);
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
