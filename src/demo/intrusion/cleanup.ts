import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { errorMessage } from '../../errors.js';
import { isAlive } from '../../targets/proc.js';
import type { HostNamespace } from './namespace.js';
import { demoNamespaces, linkExists, removeHostNamespace, run } from './namespace.js';

/** What the end of the demo checked, one line each; `clean` only when every check passed. */
export interface CleanReport {
  readonly clean: boolean;
  readonly checks: readonly { readonly what: string; readonly ok: boolean }[];
}

/**
 * Removes the bot's firewall rules (by their tag), stops everything in the namespace and
 * deletes it, then checks — never assumes — that nothing is left: no rule with the tag on either
 * side, no namespace, no link, no process of the demo (by pid, and by the scratch directory in
 * any command line), the scratch directory gone once removed by the caller.
 */
export async function tearDownHost(ns: HostNamespace, ruleTag: string, pids: readonly number[]): Promise<CleanReport['checks']> {
  const checks: { what: string; ok: boolean }[] = [];
  const removed = await removeTaggedRules(ns, ruleTag).catch((error: unknown) => `could not list the rules: ${errorMessage(error)}`);
  const left = await taggedRules(ns.inside(['iptables', '-S']), ruleTag).catch(() => []);
  checks.push({
    what: `the bot's firewall rules removed from the host (${typeof removed === 'number' ? removed : removed}), none left`,
    ok: typeof removed === 'number' && left.length === 0,
  });
  await removeHostNamespace(ns);
  const outside = await taggedRules(['iptables', '-S'], ruleTag).catch(() => []);
  checks.push({ what: "no rule of the demo in this machine's iptables", ok: outside.length === 0 });
  checks.push({ what: `namespace ${ns.name} gone`, ok: !(await demoNamespaces()).includes(ns.name) });
  checks.push({ what: `link ${ns.outerLink} gone`, ok: !(await linkExists(ns.outerLink)) });
  const alive = pids.filter(isAlive);
  checks.push({
    what: `sshd, the login endpoint and the host agent stopped${alive.length ? ` (alive: ${alive.join(', ')})` : ''}`,
    ok: alive.length === 0,
  });
  return checks;
}

/** Processes whose command line names `marker` (the scratch directory, a namespace): none may be left. */
export function processesNaming(marker: string): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmdline.includes(marker) ? [`${pid}: ${cmdline.slice(0, 160)}`] : [];
      } catch {
        return [];
      }
    });
}

export function finalChecks(scratch: string, ns: string | undefined, tags: readonly string[]): CleanReport['checks'] {
  const byDir = processesNaming(scratch);
  const byNs = ns ? processesNaming(ns) : [];
  const byTag = tags.flatMap((tag) => processesNaming(tag));
  return [
    {
      what: `no process names the demo's directory or namespace${byDir.length + byNs.length ? `: ${[...byDir, ...byNs].join('; ')}` : ''}`,
      ok: byDir.length + byNs.length === 0,
    },
    { what: `no listener or worker of the drill's techniques runs${byTag.length ? `: ${byTag.join('; ')}` : ''}`, ok: byTag.length === 0 },
    { what: `${scratch} removed (the host's home, keys, logs, agent state)`, ok: !existsSync(scratch) },
  ];
}

async function taggedRules(command: readonly string[], tag: string): Promise<string[]> {
  return (await run(command)).split('\n').filter((line) => line.includes(tag));
}

/** Deletes each rule carrying the tag: `-A CHAIN spec` listed by iptables -S becomes `-D CHAIN spec`. */
async function removeTaggedRules(ns: HostNamespace, tag: string): Promise<number> {
  const rules = await taggedRules(ns.inside(['iptables', '-S']), tag);
  for (const rule of rules) {
    const args = rule.trim().split(/\s+/);
    if (args[0] !== '-A') continue;
    await run(ns.inside(['iptables', '-D', ...args.slice(1)]));
  }
  return rules.length;
}
