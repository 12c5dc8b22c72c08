import type { TargetSet } from '../experiment/schema.js';

/**
 * Targets: things a fault can hurt. Discovery (inventory, /proc, later Kubernetes) lives in
 * src/targets; the engine only sees resolved targets and picks among them (blast radius).
 */

/** How to find a service's process again, e.g. after a restart. */
export interface ProcessMatch {
  /** Exact process name (`/proc/PID/comm`) or basename of argv[0]. */
  readonly name?: string;
  /** Regular expression tested against the command line (arguments joined by spaces). */
  readonly cmdline?: string;
  /** File holding the pid. */
  readonly pidFile?: string;
}

/** How to start a service again (argument array, never a shell line). */
export interface StartCommand {
  readonly command: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Where the started process writes stdout and stderr; defaults to the run's directory. */
  readonly log?: string;
}

export interface ProcessTarget {
  readonly kind: 'process';
  readonly pid: number;
  /** `/proc/PID/comm` */
  readonly name: string;
  readonly cmdline: string;
  /** Inventory service this process belongs to, when it was selected through the inventory. */
  readonly service?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly match?: ProcessMatch;
  readonly start?: StartCommand;
  /** The inventory agent on whose host the process runs; the local agent when absent. */
  readonly agent?: string;
}

/** The machine a host-level fault (CPU, memory, disk) runs on. */
export interface HostTarget {
  readonly kind: 'host';
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The inventory agent of that host; the local agent when absent. */
  readonly agent?: string;
}

/** A link between two services, through a fault proxy that an agent runs. */
export interface ProxyTarget {
  readonly kind: 'proxy';
  readonly name: string;
  /** `host:port` the proxy listens on, and the `host:port` it forwards to. */
  readonly listen: string;
  readonly upstream: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The inventory agent that runs the proxy; the local agent when absent. */
  readonly agent?: string;
}

export type ResolvedTarget = ProcessTarget | HostTarget | ProxyTarget;
export type TargetKind = ResolvedTarget['kind'];

/** A target's short human name: `pid 4242 (node catalog.js)` or `host local`. */
export function describeTarget(target: ResolvedTarget): string {
  if (target.kind === 'host') return `host ${target.name}`;
  if (target.kind === 'proxy') return `link ${target.name} (${target.listen} → ${target.upstream})`;
  const what = target.service ?? target.name;
  return `pid ${target.pid} (${what})`;
}

/** Finds candidate targets for a target set; src/targets implements it (inventory, /proc). */
export interface TargetDiscovery {
  discover(name: string, set: TargetSet): Promise<ResolvedTarget[]>;
}

/** The targets of a run in a few words, for lists: `app: 1 process (sleep); db: 2 hosts`. */
export function summarizeTargets(targets: Readonly<Record<string, readonly ResolvedTarget[]>>): string {
  const parts = Object.entries(targets).map(([name, list]) => {
    if (list.length === 0) return `${name}: none`;
    const kind = list[0]?.kind ?? 'target';
    const names = [...new Set(list.map((t) => t.name))];
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '');
    return `${name}: ${list.length} ${kind === 'proxy' ? 'link' : kind}${list.length === 1 ? '' : kind === 'process' ? 'es' : 's'} (${shown})`;
  });
  return parts.join('; ').slice(0, 500);
}
