import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { errorMessage } from '../../errors.js';
import { isAlive } from '../../targets/proc.js';

const exec = promisify(execFile);

/**
 * The intrusion demo's "host": a network namespace joined to this machine by a veth pair on a
 * /30 of its own. Every command is an argument list (never a shell). The names carry the demo's
 * pid so that a later demo removes what a killed one left (`removeNamespaceLeftovers`).
 *
 *   root namespace (the attacker, the control plane)        namespace NAME (the host)
 *   vethA 10.251.Y.1/30  ──────────── veth ────────────  vethB 10.251.Y.2/30, lo
 */
export interface HostNamespace {
  readonly name: string;
  /** This side: the attacker's address, as the host sees it. */
  readonly attacker: string;
  /** The host's address. */
  readonly host: string;
  readonly outerLink: string;
  /** The argument list that runs `command` inside the namespace. */
  inside(command: readonly string[]): string[];
}

const PREFIX = 'fd-intrusion-';

/** Why namespaces cannot be used here, or undefined when they can (tried, never assumed). */
export async function namespacesUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root (network namespaces need it)';
  const probe = `${PREFIX}probe-${process.pid}`;
  try {
    await run(['ip', 'netns', 'add', probe]);
  } catch (error) {
    return `\`ip netns add\` does not work here: ${errorMessage(error)}`;
  }
  try {
    await run(['ip', 'netns', 'exec', probe, 'ip', 'link', 'set', 'lo', 'up']);
    return undefined;
  } catch (error) {
    return `\`ip netns exec\` does not work here: ${errorMessage(error)}`;
  } finally {
    await run(['ip', 'netns', 'del', probe]).catch(() => undefined);
  }
}

/** Creates the namespace, the veth pair and their addresses; on any failure, removes what it made. */
export async function createHostNamespace(): Promise<HostNamespace> {
  const id = randomBytes(3).toString('hex');
  const name = `${PREFIX}${process.pid}-${id}`;
  const subnet = await freeSubnet();
  const ns: HostNamespace = {
    name,
    attacker: `${subnet}.1`,
    host: `${subnet}.2`,
    outerLink: `fdi${id}a`,
    inside: (command) => ['ip', 'netns', 'exec', name, ...command],
  };
  const inner = `fdi${id}b`;
  try {
    await run(['ip', 'netns', 'add', name]);
    await run(['ip', 'link', 'add', ns.outerLink, 'type', 'veth', 'peer', 'name', inner]);
    await run(['ip', 'link', 'set', inner, 'netns', name]);
    await run(['ip', 'addr', 'add', `${ns.attacker}/30`, 'dev', ns.outerLink]);
    await run(['ip', 'link', 'set', ns.outerLink, 'up']);
    await run(ns.inside(['ip', 'addr', 'add', `${ns.host}/30`, 'dev', inner]));
    await run(ns.inside(['ip', 'link', 'set', inner, 'up']));
    await run(ns.inside(['ip', 'link', 'set', 'lo', 'up']));
    return ns;
  } catch (error) {
    await removeHostNamespace(ns).catch(() => undefined);
    throw error;
  }
}

/** A 10.251.Y.0/30 no address of this machine is in. */
async function freeSubnet(): Promise<string> {
  const { stdout } = await exec('ip', ['-o', '-4', 'addr', 'show']);
  for (let i = 0; i < 50; i++) {
    const y = Math.floor(Math.random() * 256);
    if (!stdout.includes(`10.251.${y}.`)) return `10.251.${y}`;
  }
  throw new Error('no free 10.251.Y.0/30 subnet for the demo host');
}

/**
 * Stops whatever still runs in the namespace (SIGTERM, then SIGKILL), deletes the veth pair and
 * the namespace (its iptables rules go with it), and waits until both are gone.
 */
export async function removeHostNamespace(ns: Pick<HostNamespace, 'name' | 'outerLink'>): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const pids = await pidsIn(ns.name);
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
    for (let i = 0; i < 50 && (await pidsIn(ns.name)).some(isAlive); i++) await sleep(100);
  }
  await run(['ip', 'link', 'del', ns.outerLink]).catch(() => undefined);
  await run(['ip', 'netns', 'del', ns.name]).catch(() => undefined);
  // The kernel tears a namespace's links down a moment after: wait until they are gone.
  for (let i = 0; i < 50 && (await linkExists(ns.outerLink)); i++) await sleep(100);
}

/** The pids running in the namespace ([] when it does not exist). */
export async function pidsIn(name: string): Promise<number[]> {
  const { stdout } = await exec('ip', ['netns', 'pids', name]).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** The demo namespaces that exist now. */
export async function demoNamespaces(): Promise<string[]> {
  const { stdout } = await exec('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(PREFIX));
}

export async function linkExists(link: string): Promise<boolean> {
  return exec('ip', ['link', 'show', link]).then(
    () => true,
    () => false,
  );
}

/** Namespaces of demos whose process is gone (killed with SIGKILL, a power cut): removed, one line each. */
export async function removeNamespaceLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await demoNamespaces()) {
    const match = /^fd-intrusion-(\d+)-([0-9a-f]{6})$/.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    await removeHostNamespace({ name, outerLink: `fdi${match[2] ?? ''}a` });
    removed.push(`namespace ${name} (demo pid ${match[1] ?? '?'} is gone)`);
  }
  return removed;
}

export async function run(command: readonly string[]): Promise<string> {
  const [file = '', ...args] = command;
  try {
    const { stdout } = await exec(file, args, { timeout: 15_000, maxBuffer: 4 << 20 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${command.join(' ')}: ${stderr || errorMessage(error)}`, { cause: error });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
